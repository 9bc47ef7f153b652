import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Responsys accounts the jobs send to. The password is only ever stored AES-GCM encrypted. */
export const authorizations = sqliteTable("authorizations", {
  id: text("id").primaryKey(),
  type: text("type", { enum: ["responsys_interact"] }).notNull(),
  label: text("label").notNull(),
  description: text("description"),
  username: text("username").notNull(),
  /** Normalised login base URL, e.g. `https://login2.responsys.net`. */
  endpoint: text("endpoint").notNull(),
  /** `base64(iv || ciphertext)`, see src/secrets/password-box.ts. */
  passwordEncrypted: text("password_encrypted").notNull(),
  createdAt: text("created_at").notNull(),
});

/**
 * Export jobs. `definition` is the JobDefinition as JSON with its secret taken out: a Lytics API
 * token lives only in `lytics_token_encrypted`. The other columns copy what queries need.
 */
export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    type: text("type", { enum: ["export_audience", "export_campaign"] }).notNull(),
    authorizationId: text("authorization_id")
      .notNull()
      .references(() => authorizations.id),
    definition: text("definition").notNull(),
    /** `base64(iv || ciphertext)` of the campaign job's Lytics API token, when it has one. */
    lyticsTokenEncrypted: text("lytics_token_encrypted"),
    /** SHA-256 hex of the webhook secret; the secret itself is shown once and never stored. */
    webhookSecretHash: text("webhook_secret_hash").notNull(),
    paused: integer("paused", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
  },
  (table) => [index("jobs_authorization_id").on(table.authorizationId)],
);

export type AuthorizationRow = typeof authorizations.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
