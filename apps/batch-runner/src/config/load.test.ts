import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isBridgeError } from "@responsys-bridge/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig, validateConfig } from "./load.ts";

function validJob(): Record<string, unknown> {
  return {
    id: "responsys-events",
    type: "import_activity",
    schedule: "0 */6 * * *",
    authorization: {
      type: "responsys_sftp_pgp",
      host: "files.responsys.net",
      port: 22,
      username: "acme_scp",
      privateKey: { file: "./keys/id_ed25519" },
      hostKey: "SHA256:abc",
      folder: "/download",
      pgpPrivateKey: { file: "./keys/connect.asc" },
      pgpPassphrase: { env: "PGP_PASSPHRASE" },
    },
    accountIds: ["12345"],
    delimiter: "|",
    sink: { type: "store" },
    mapping: "default",
  };
}

function configWith(change: (job: Record<string, unknown>, auth: Record<string, unknown>) => void): unknown {
  const job = validJob();
  const auth = job.authorization as Record<string, unknown>;
  change(job, auth);
  return { jobs: [job] };
}

function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (error) {
    if (isBridgeError(error, "CONFIG_INVALID") && Array.isArray(error.details?.problems)) {
      return error.details.problems.map(String);
    }
    throw error;
  }
  return [];
}

describe("validateConfig", () => {
  it("accepts the SPEC example and fills defaults", () => {
    const config = validateConfig(
      configWith((job, auth) => {
        delete job.sink;
        delete job.mapping;
        delete job.delimiter;
        delete auth.port;
      }),
    );
    expect(config.database).toBe("pglite:./.data/runner");
    const job = config.jobs[0];
    expect(job?.sink).toEqual({ type: "store" });
    expect(job?.mapping).toBe("default");
    expect(job?.delimiter).toBe(",");
    expect(job?.authorization.port).toBe(22);
  });

  const cases: Array<[string, unknown, string]> = [
    ["no jobs", { jobs: [] }, "jobs: at least one job"],
    ["jobs missing", {}, "jobs: required"],
    [
      "bad database",
      { database: "mysql://x", jobs: [validJob()] },
      "database: must be pglite:<directory> or a postgres:// URL",
    ],
    ["missing host key", configWith((_j, a) => delete a.hostKey), "jobs[0].authorization.hostKey: required"],
    [
      "missing username",
      configWith((_j, a) => delete a.username),
      "jobs[0].authorization.username: required",
    ],
    [
      "plain secret",
      configWith((_j, a) => {
        a.pgpPassphrase = "hunter2";
      }),
      "jobs[0].authorization.pgpPassphrase: must be { env: NAME } or { file: path }",
    ],
    [
      "pgp key for the sftp-only type",
      configWith((_j, a) => {
        a.type = "responsys_sftp";
      }),
      "jobs[0].authorization.pgpPrivateKey: only allowed with type responsys_sftp_pgp",
    ],
    [
      "pgp type without key",
      configWith((_j, a) => delete a.pgpPrivateKey),
      "jobs[0].authorization.pgpPrivateKey: required for responsys_sftp_pgp",
    ],
    [
      "bad auth type",
      configWith((_j, a) => {
        a.type = "ftp";
      }),
      "jobs[0].authorization.type:",
    ],
    [
      "bad port",
      configWith((_j, a) => {
        a.port = 70000;
      }),
      "jobs[0].authorization.port:",
    ],
    [
      "bad schedule",
      configWith((j) => {
        j.schedule = "every day";
      }),
      "jobs[0].schedule: not a valid cron expression",
    ],
    [
      "bad job type",
      configWith((j) => {
        j.type = "export";
      }),
      "jobs[0].type:",
    ],
    [
      "bad account id",
      configWith((j) => {
        j.accountIds = ["12a"];
      }),
      "jobs[0].accountIds[0]: an account id is digits only",
    ],
    [
      "long delimiter",
      configWith((j) => {
        j.delimiter = "||";
      }),
      "jobs[0].delimiter: one character",
    ],
    [
      "unknown sink",
      configWith((j) => {
        j.sink = { type: "kafka" };
      }),
      "jobs[0].sink.type:",
    ],
    [
      "lytics without token",
      configWith((j) => {
        j.sink = { type: "lytics", url: "https://api.lytics.io" };
      }),
      "jobs[0].sink.apiToken: required",
    ],
    [
      "lytics bad url",
      configWith((j) => {
        j.sink = { type: "lytics", url: "nope", apiToken: { env: "T" } };
      }),
      "jobs[0].sink.url:",
    ],
    [
      "bad mapping",
      configWith((j) => {
        j.mapping = "mapping.txt";
      }),
      'jobs[0].mapping: must be "default" or a path to an .lql file',
    ],
    [
      "unknown key",
      configWith((_j, a) => {
        a.hostkey = "x";
      }),
      "jobs[0].authorization.hostkey: unknown key",
    ],
    ["duplicate ids", { jobs: [validJob(), validJob()] }, 'jobs[1].id: duplicate job id "responsys-events"'],
  ];
  it.each(cases)("%s", (_name, raw, expected) => {
    const problems = problemsOf(raw);
    expect(
      problems.some((problem) => problem.startsWith(expected)),
      problems.join("\n"),
    ).toBe(true);
  });

  it("allows a missing host key only with insecureAcceptAnyHostKey", () => {
    const config = validateConfig(
      configWith((_j, a) => {
        delete a.hostKey;
        a.insecureAcceptAnyHostKey = true;
      }),
    );
    expect(config.jobs[0]?.authorization.insecureAcceptAnyHostKey).toBe(true);
  });
});

describe("loadConfig", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "runner-config-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const yaml = `
database: pglite:./data
jobs:
  - id: events
    type: import_activity
    schedule: "*/5 * * * *"
    authorization:
      type: responsys_sftp_pgp
      host: 127.0.0.1
      username: u
      privateKey: { file: ./ssh.key }
      hostKey: "SHA256:abc"
      pgpPrivateKey: { file: ./pgp.asc }
      pgpPassphrase: { env: PGP_PASSPHRASE }
    sink: { type: lytics, url: "http://127.0.0.1:9", apiToken: { env: LYTICS_TOKEN } }
`;

  it("resolves secrets from env and files relative to the config", async () => {
    await writeFile(join(dir, "runner.config.yaml"), yaml);
    await writeFile(join(dir, "ssh.key"), "SSH KEY\n");
    await writeFile(join(dir, "pgp.asc"), "PGP KEY");
    const config = await loadConfig(join(dir, "runner.config.yaml"), {
      env: { PGP_PASSPHRASE: "secret", LYTICS_TOKEN: "tok" },
    });
    expect(config.database).toEqual({ kind: "pglite", dir: join(dir, "data") });
    const job = config.jobs[0];
    expect(job?.authorization.privateKey).toBe("SSH KEY");
    expect(job?.authorization.pgpPrivateKey).toBe("PGP KEY");
    expect(job?.authorization.pgpPassphrase).toBe("secret");
    expect(job?.sink).toEqual({
      type: "lytics",
      url: "http://127.0.0.1:9",
      stream: "responsys_events",
      apiToken: "tok",
    });
  });

  it("names every secret it cannot resolve", async () => {
    await writeFile(join(dir, "runner.config.yaml"), yaml);
    await writeFile(join(dir, "pgp.asc"), "");
    const error = await loadConfig(join(dir, "runner.config.yaml"), { env: {} }).catch((e: unknown) => e);
    expect(isBridgeError(error, "CONFIG_INVALID")).toBe(true);
    const message = error instanceof Error ? error.message : "";
    expect(message).toContain("jobs[0].authorization.privateKey: cannot read secret file");
    expect(message).toContain("ENOENT");
    expect(message).toContain("jobs[0].authorization.pgpPrivateKey: secret file");
    expect(message).toContain("is empty");
    expect(message).toContain(
      "jobs[0].authorization.pgpPassphrase: environment variable PGP_PASSPHRASE is not set",
    );
    expect(message).toContain("jobs[0].sink.apiToken: environment variable LYTICS_TOKEN is not set");
  });

  it("reads and parses an .lql mapping at start, reporting where it is wrong", async () => {
    const withMapping = (file: string) =>
      yaml.replace("    sink: {", `    mapping: ./${file}\n    sink: {`).replace(/ *pgpPassphrase: .*\n/, "");
    await writeFile(join(dir, "ssh.key"), "k");
    await writeFile(join(dir, "pgp.asc"), "p");
    const env = { LYTICS_TOKEN: "t" };
    await writeFile(join(dir, "good.yaml"), withMapping("good.lql"));
    await writeFile(
      join(dir, "good.lql"),
      "SELECT email(email) AS email, count(event) AS opens FROM responsys_events INTO user BY email",
    );
    const config = await loadConfig(join(dir, "good.yaml"), { env });
    const mapping = config.jobs[0]?.mapping;
    expect(mapping?.kind === "file" && mapping.mapping.by).toEqual(["email"]);

    await writeFile(join(dir, "bad.yaml"), withMapping("bad.lql"));
    await writeFile(join(dir, "bad.lql"), "SELECT email( AS email FROM x INTO user BY email");
    await expect(loadConfig(join(dir, "bad.yaml"), { env })).rejects.toThrow(
      /jobs\[0\]\.mapping: .*bad\.lql: .*line 1/,
    );

    await writeFile(join(dir, "missing.yaml"), withMapping("missing.lql"));
    await expect(loadConfig(join(dir, "missing.yaml"), { env })).rejects.toThrow(
      /jobs\[0\]\.mapping: cannot read .*ENOENT/,
    );
  });

  it("reports a missing file and invalid YAML clearly", async () => {
    await expect(loadConfig(join(dir, "nope.yaml"), { env: {} })).rejects.toThrow(/cannot read config file/);
    await writeFile(join(dir, "bad.yaml"), "jobs: [\n");
    await expect(loadConfig(join(dir, "bad.yaml"), { env: {} })).rejects.toThrow(/is not valid YAML/);
  });
});
