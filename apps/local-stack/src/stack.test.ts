import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupMembers } from "./child-process.ts";
import { remoteTarget } from "./demo-targets.ts";
import { demoUser } from "./demo-users.ts";
import { audienceWebhook } from "./lytics-webhook.ts";
import { AUDIENCE_SLUG } from "./provision.ts";
import { runningStackInfoSchema } from "./running-stack.ts";
import { type Stack, startStack } from "./stack.ts";

// One stack for the whole file: starting wrangler dev is the slow part.
describe("local stack", () => {
  let stateDir: string;
  let stack: Stack;
  const logs: string[] = [];

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "local-stack-"));
    stack = await startStack({
      repoRoot: resolve(import.meta.dirname, "..", "..", ".."),
      stateDir,
      ports: { sandbox: 0, gateway: 0, sftp: 0 },
      schedule: null,
      importAtStart: true,
      log: (part, line) => logs.push(`[${part}] ${line}`),
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("provisions the demo authorization and an export_audience job", async () => {
    expect(stack.provisioned.authorizationId).toMatch(/^auth_/);
    expect(await stack.admin.hasJob(stack.provisioned.audienceJob.id)).toBe(true);
    expect(stack.provisioned.notes).toContain(
      `export_audience job ${stack.provisioned.audienceJob.id}: created`,
    );
  });

  it("delivers a Lytics enter webhook to the sandbox's list after a forced flush", async () => {
    const user = demoUser(7);
    const job = stack.provisioned.audienceJob;
    const webhook = audienceWebhook(user, AUDIENCE_SLUG, "enter", Date.now(), [AUDIENCE_SLUG]);
    const answer = await stack.admin.postWebhook(job.id, job.webhookSecret, webhook);
    expect(answer).toEqual({ accepted: 1, duplicates: 0, ignored: 0 });
    const flushed = await stack.admin.flush(job.id);
    expect(flushed.ok).toBe(1);
    const members = stack.sandbox.sandbox.state.members("CONTACTS_LIST");
    expect(members.map((member) => member.EMAIL_ADDRESS_)).toContain(user.email);
    // Lytics retries deliveries: the same event again is a duplicate, as the README shows.
    const retried = await stack.admin.postWebhook(job.id, job.webhookSecret, webhook);
    expect(retried).toEqual({ accepted: 0, duplicates: 1, ignored: 0 });
  });

  it("imported the PGP-encrypted Connect files over SFTP with the pinned host key", async () => {
    expect(stack.initialImport?.files).toEqual({ seen: 10, imported: 10, skipped: 0, failed: 0 });
    expect(stack.initialImport?.rejected).toBe(0);
    expect(logs.some((line) => line.startsWith("[sftp] login connect"))).toBe(true);
  });

  // One runner command only (each costs a process start and a PGlite open): the profile is read
  // through the control API that `npm run demo` uses, which queues `batch-runner profile`.
  it("serves the imported profile to npm run demo in another terminal through its control API", async () => {
    const running = runningStackInfoSchema.parse(
      JSON.parse(await readFile(join(stateDir, "running.json"), "utf8")),
    );
    expect(running).toMatchObject({
      pid: process.pid,
      gatewayUrl: stack.gatewayUrl,
      sandboxUrl: stack.sandboxUrl,
    });
    const remote = remoteTarget(running, stack.provisioned, stack.adminToken, stack.paths);
    expect((await remote.sandboxSummary()).listMembers).toBeGreaterThanOrEqual(1);
    expect(await remote.profile(demoUser(0).email)).toMatchObject({
      email: demoUser(0).email,
      rs_user_id: demoUser(0).riid,
      email_open_ct: 2,
    });
    const refused = await fetch(`${running.controlUrl}/runner/profiles`);
    expect(refused.status).toBe(401);
  });

  it("stops every part and leaves no process behind", async () => {
    const groups = stack.processGroups();
    // The D1 migration, wrangler dev (with workerd) and at least the first import and one profile read.
    expect(groups.length).toBeGreaterThanOrEqual(4);
    await stack.stop();
    for (const pgid of groups) expect(await groupMembers(pgid)).toEqual([]);
    await expect(readFile(join(stateDir, "running.json"))).rejects.toThrow(/ENOENT/);
    await expect(fetch(`${stack.gatewayUrl}/v1/jobs`)).rejects.toThrow();
    await expect(fetch(`${stack.sandboxUrl}/__sandbox/state`)).rejects.toThrow();
    await expect(connectTcp(stack.sftp.host, stack.sftp.port)).rejects.toThrow(/ECONNREFUSED/);
  });
});

function connectTcp(host: string, port: number): Promise<void> {
  return new Promise((done, fail) => {
    const socket = connect(port, host, () => {
      socket.end();
      done();
    });
    socket.once("error", fail);
  });
}
