import { z } from "zod";
import type { AuthorizationRow } from "../../db/schema.ts";

/** An authorization as the API shows it: never the password, encrypted or not. */
export const authorizationViewSchema = z.object({
  id: z.string(),
  type: z.literal("responsys_interact"),
  label: z.string(),
  description: z.string().nullable(),
  username: z.string(),
  endpoint: z.string(),
  createdAt: z.string(),
});
export type AuthorizationView = z.infer<typeof authorizationViewSchema>;

/** The public view of a stored authorization row. */
export function authorizationView(row: AuthorizationRow): AuthorizationView {
  return {
    id: row.id,
    type: row.type,
    label: row.label,
    description: row.description,
    username: row.username,
    endpoint: row.endpoint,
    createdAt: row.createdAt,
  };
}
