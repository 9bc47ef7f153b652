import type { Context } from "hono";
import type { z } from "zod";
import type { HonoEnv } from "./context.ts";
import { apiError } from "./errors.ts";

/** Admin bodies are small definitions; anything bigger is a mistake, not data. */
const MAX_ADMIN_BODY_BYTES = 1_000_000;

/** A readable path for a zod issue: `idMappings[0].responsysField`. */
export function issuePath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    text += typeof key === "number" ? `[${key}]` : `${text === "" ? "" : "."}${String(key)}`;
  }
  return text === "" ? "body" : text;
}

/** The first problem of a failed parse as a sentence naming the field. */
export function describeIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (issue === undefined) return { field: "body", message: "body is not valid" };
  if (issue.code === "unrecognized_keys") {
    const field = issuePath([...issue.path, issue.keys[0] ?? ""]);
    return { field, message: `${field}: is not a known field` };
  }
  const field = issuePath(issue.path);
  return { field, message: `${field}: ${issue.message}` };
}

/**
 * Reads and validates a JSON body. Bad JSON is 400 INVALID_JSON; a body the schema rejects is
 * 400 `invalidCode` naming the first bad field (in the message and `details.field`).
 */
export async function readJson<S extends z.ZodType>(
  c: Context<HonoEnv>,
  schema: S,
  invalidCode: string,
): Promise<z.infer<S>> {
  const text = await c.req.text();
  if (text.length > MAX_ADMIN_BODY_BYTES) {
    throw apiError("PAYLOAD_TOO_LARGE", `The body is over ${MAX_ADMIN_BODY_BYTES} bytes.`, 413);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw apiError("INVALID_JSON", "The body is not valid JSON.", 400);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const { field, message } = describeIssue(parsed.error);
    throw apiError(invalidCode, message, 400, { details: { field } });
  }
  return parsed.data;
}
