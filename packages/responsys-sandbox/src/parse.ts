import type { Context } from "hono";
import type { z } from "zod";
import { invalidParameter, invalidRequestContent } from "./envelope.ts";
import type { SandboxEnv } from "./runtime.ts";

/** The request's JSON body checked against `schema`; a mismatch is a 400 naming the first problem. */
export function parseJsonBody<T extends z.ZodType>(c: Context<SandboxEnv>, schema: T): z.infer<T> {
  if (c.var.badJson) throw invalidRequestContent("The request body is not valid JSON");
  if (c.var.body === null) throw invalidRequestContent("The request body is empty");
  const result = schema.safeParse(c.var.body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw invalidParameter(`${where}${issue?.message ?? "invalid request body"}`);
  }
  return result.data;
}
