import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { BridgeError } from "@responsys-bridge/core";
import { type Mapping, parseMapping } from "@responsys-bridge/mapping";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import {
  type Authorization,
  type JobConfig,
  type RunnerConfig,
  runnerConfigSchema,
  type SecretRef,
} from "./schema.ts";

export type DatabaseLocation = { kind: "pglite"; dir: string } | { kind: "postgres"; url: string };

/** Authorization with its secrets read: what the SFTP and PGP code needs, nothing more. */
export interface ResolvedAuthorization
  extends Omit<Authorization, "privateKey" | "pgpPrivateKey" | "pgpPassphrase"> {
  privateKey: string;
  pgpPrivateKey: string | undefined;
  pgpPassphrase: string | undefined;
}

export type ResolvedSink =
  | { type: "store" }
  | { type: "lytics"; url: string; stream: string; apiToken: string };

/** The job's mapping: the built-in one, or an .lql file read and parsed at start. */
export type MappingSource = { kind: "default" } | { kind: "file"; path: string; mapping: Mapping };

export interface ResolvedJob extends Omit<JobConfig, "authorization" | "sink" | "mapping"> {
  authorization: ResolvedAuthorization;
  sink: ResolvedSink;
  mapping: MappingSource;
}

/** The one validated config of the runner, read once at start and passed down. */
export interface LoadedConfig {
  /** The folder of the config file: relative paths in it (keys, mapping, pglite:) start here. */
  dir: string;
  database: DatabaseLocation;
  jobs: ResolvedJob[];
}

export interface LoadOptions {
  env: Record<string, string | undefined>;
}

/** Reads, validates and resolves `runner.config.yaml`; every problem is reported with its key path. */
export async function loadConfig(path: string, options: LoadOptions): Promise<LoadedConfig> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    throw configError(`cannot read config file ${absolute}: ${errorMessage(error)}`, []);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw configError(`${absolute} is not valid YAML: ${errorMessage(error)}`, []);
  }
  const config = validateConfig(raw ?? {});
  return resolveConfig(config, dirname(absolute), options);
}

/** Validates a parsed config object; throws CONFIG_INVALID listing each `key.path: problem`. */
export function validateConfig(raw: unknown): RunnerConfig {
  const result = runnerConfigSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map(describeIssue);
  throw configError(`invalid config:\n  ${problems.join("\n  ")}`, problems);
}

/** Reads every secret and mapping file named by the config, relative to the config's folder. */
export async function resolveConfig(
  config: RunnerConfig,
  baseDir: string,
  options: LoadOptions,
): Promise<LoadedConfig> {
  const problems: string[] = [];
  const read = async (ref: SecretRef | undefined, key: string): Promise<string | undefined> => {
    if (ref === undefined) return undefined;
    try {
      return await resolveSecret(ref, baseDir, options.env);
    } catch (error) {
      problems.push(`${key}: ${errorMessage(error)}`);
      return undefined;
    }
  };
  const jobs: ResolvedJob[] = [];
  for (const [index, job] of config.jobs.entries()) {
    const at = `jobs[${index}]`;
    const auth = job.authorization;
    const privateKey = await read(auth.privateKey, `${at}.authorization.privateKey`);
    const pgpPrivateKey = await read(auth.pgpPrivateKey, `${at}.authorization.pgpPrivateKey`);
    const pgpPassphrase = await read(auth.pgpPassphrase, `${at}.authorization.pgpPassphrase`);
    let sink: ResolvedSink = { type: "store" };
    if (job.sink.type === "lytics") {
      const apiToken = await read(job.sink.apiToken, `${at}.sink.apiToken`);
      sink = { type: "lytics", url: job.sink.url, stream: job.sink.stream, apiToken: apiToken ?? "" };
    }
    let mapping: MappingSource = { kind: "default" };
    if (job.mapping !== "default") {
      const mappingPath = resolvePath(baseDir, job.mapping);
      let text: string | undefined;
      try {
        text = await readFile(mappingPath, "utf8");
      } catch (error) {
        problems.push(`${at}.mapping: cannot read ${mappingPath}: ${errorCode(error)}`);
      }
      if (text !== undefined) {
        try {
          mapping = { kind: "file", path: mappingPath, mapping: parseMapping(text) };
        } catch (error) {
          problems.push(`${at}.mapping: ${mappingPath}: ${errorMessage(error)}`);
        }
      }
    }
    jobs.push({
      ...job,
      authorization: { ...auth, privateKey: privateKey ?? "", pgpPrivateKey, pgpPassphrase },
      sink,
      mapping,
    });
  }
  if (problems.length > 0) {
    throw configError(`invalid config:\n  ${problems.join("\n  ")}`, problems);
  }
  return { dir: baseDir, database: databaseLocation(config.database, baseDir), jobs };
}

/** Resolves `{ env }` or `{ file }`; an empty value is an error, never a silent blank secret. */
export async function resolveSecret(
  ref: SecretRef,
  baseDir: string,
  env: Record<string, string | undefined>,
): Promise<string> {
  if ("env" in ref) {
    const value = env[ref.env];
    if (value === undefined || value === "") throw new Error(`environment variable ${ref.env} is not set`);
    return value;
  }
  const path = resolvePath(baseDir, ref.file);
  let value: string;
  try {
    value = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read secret file ${path}: ${errorCode(error)}`);
  }
  if (value.trim() === "") throw new Error(`secret file ${path} is empty`);
  // Files written by editors end with a newline that is not part of a passphrase or token.
  return value.replace(/\r?\n$/, "");
}

export function databaseLocation(database: string, baseDir: string): DatabaseLocation {
  if (database.startsWith("pglite:")) {
    return { kind: "pglite", dir: resolvePath(baseDir, database.slice("pglite:".length)) };
  }
  return { kind: "postgres", url: database };
}

export function findJob(config: LoadedConfig, jobId: string): ResolvedJob {
  const job = config.jobs.find((candidate) => candidate.id === jobId);
  if (job === undefined) {
    const known = config.jobs.map((candidate) => candidate.id).join(", ");
    throw new BridgeError({
      code: "JOB_NOT_FOUND",
      message: `no job "${jobId}" in the config (jobs: ${known})`,
    });
  }
  return job;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`).join("\n  ");
  }
  const key = formatPath(issue.path);
  // Say "required" for a missing value rather than zod's "expected string, received undefined".
  const missing =
    (issue.code === "invalid_type" || issue.code === "invalid_union") &&
    (!("input" in issue) || issue.input === undefined);
  if (!missing && issue.code === "invalid_union" && issue.path.length > 0) {
    return `${key}: must be { env: NAME } or { file: path } (secrets are never written in the config)`;
  }
  return `${key || "(root)"}: ${missing ? "required" : issue.message}`;
}

/** `["jobs", 0, "authorization", "hostKey"]` → `jobs[0].authorization.hostKey`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function configError(message: string, problems: string[]): BridgeError {
  return new BridgeError({ code: "CONFIG_INVALID", message, details: { problems } });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string {
  if (error instanceof Error && "code" in error && typeof error.code === "string") return error.code;
  return errorMessage(error);
}
