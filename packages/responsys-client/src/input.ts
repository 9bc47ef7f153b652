import { BridgeError } from "@responsys-bridge/core";
import type { z } from "zod";

/** Validates caller input, turning the first problem into a BridgeError with `code`. */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  code: string,
  what: string,
): z.infer<Schema> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? "" : `${issue.path.map(String).join(".")} `;
  throw new BridgeError({
    code,
    message: `Invalid ${what}: ${where}${issue?.message ?? "is not valid"}.`,
    details: {
      issues: parsed.error.issues.map((each) => ({
        path: each.path.map(String).join("."),
        message: each.message,
      })),
    },
  });
}
