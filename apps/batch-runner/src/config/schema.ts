import { validateDetailed } from "node-cron";
import { z } from "zod";

/** A secret is never written in the config file: it names an environment variable or a file. */
export const secretRefSchema = z.union([
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ file: z.string().min(1) }),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

export const DEFAULT_DATABASE = "pglite:./.data/runner";

const databaseSchema = z
  .string()
  .refine((value) => /^pglite:.+/.test(value) || /^postgres(ql)?:\/\/.+/.test(value), {
    message: "must be pglite:<directory> or a postgres:// URL",
  });

const scheduleSchema = z.string().superRefine((expression, ctx) => {
  const result = validateDetailed(expression);
  if (!result.valid) {
    const reasons = result.errors.map((e) => `${e.field}: ${e.message}`).join("; ");
    ctx.addIssue({ code: "custom", message: `not a valid cron expression (${reasons || expression})` });
  }
});

export const authorizationSchema = z
  .strictObject({
    type: z.enum(["responsys_sftp_pgp", "responsys_sftp"]),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().min(1),
    privateKey: secretRefSchema,
    hostKey: z.string().min(1).optional(),
    insecureAcceptAnyHostKey: z.boolean().default(false),
    folder: z.string().min(1).default("/"),
    pgpPrivateKey: secretRefSchema.optional(),
    pgpPassphrase: secretRefSchema.optional(),
  })
  .superRefine((auth, ctx) => {
    if (auth.hostKey === undefined && !auth.insecureAcceptAnyHostKey) {
      ctx.addIssue({
        code: "custom",
        path: ["hostKey"],
        message: "required (pin the server key, or set insecureAcceptAnyHostKey: true for a local sandbox)",
      });
    }
    if (auth.type === "responsys_sftp_pgp" && auth.pgpPrivateKey === undefined) {
      ctx.addIssue({ code: "custom", path: ["pgpPrivateKey"], message: "required for responsys_sftp_pgp" });
    }
    if (auth.type === "responsys_sftp" && auth.pgpPrivateKey !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["pgpPrivateKey"],
        message: "only allowed with type responsys_sftp_pgp",
      });
    }
  });
export type Authorization = z.infer<typeof authorizationSchema>;

export const sinkSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("store") }),
  z.strictObject({
    type: z.literal("lytics"),
    url: z.url({ protocol: /^https?$/ }),
    stream: z.string().min(1).default("responsys_events"),
    apiToken: secretRefSchema,
  }),
]);
export type SinkConfig = z.infer<typeof sinkSchema>;

export const jobConfigSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, '-', '_' or '.' only"),
  type: z.literal("import_activity"),
  schedule: scheduleSchema,
  authorization: authorizationSchema,
  accountIds: z.array(z.string().regex(/^\d+$/, "an account id is digits only")).default([]),
  delimiter: z.string().length(1, "one character").default(","),
  sink: sinkSchema.default({ type: "store" }),
  mapping: z
    .string()
    .refine((value) => value === "default" || value.endsWith(".lql"), {
      message: 'must be "default" or a path to an .lql file',
    })
    .default("default"),
});
export type JobConfig = z.infer<typeof jobConfigSchema>;

export const runnerConfigSchema = z
  .strictObject({
    database: databaseSchema.default(DEFAULT_DATABASE),
    jobs: z.array(jobConfigSchema).min(1, "at least one job"),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.jobs.forEach((job, index) => {
      if (seen.has(job.id)) {
        ctx.addIssue({
          code: "custom",
          path: ["jobs", index, "id"],
          message: `duplicate job id "${job.id}"`,
        });
      }
      seen.add(job.id);
    });
  });
export type RunnerConfig = z.infer<typeof runnerConfigSchema>;
