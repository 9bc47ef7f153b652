import { demoUser, demoUsers } from "./demo-users.ts";
import type { GatewayAdmin } from "./gateway-admin.ts";
import { type FlushReport, GatewayError, type HookAnswer, type JobStatus } from "./gateway-admin.ts";
import { audienceWebhook } from "./lytics-webhook.ts";
import type { Provisioned } from "./provision.ts";
import { AUDIENCE_SLUG, CAMPAIGN_AUDIENCE_SLUG, type JobRef } from "./provision.ts";
import type { ImportSummary, ProfileLine } from "./runner.ts";
import type { SandboxSummary } from "./sandbox-summary.ts";

export interface DemoOptions {
  /** Users who enter the VIP audience. */
  enters: number;
  /** The last `exits` of them leave it again, later. */
  exits: number;
  /** Users who enter the campaign audience (each should get one Welcome email). */
  campaignEnters: number;
  /** Lytics' batch size: events per webhook request (a JSON array). */
  batchSize: number;
  /** Concurrent requests, like Lytics' worker count. */
  workers: number;
}

export const DEFAULT_DEMO: DemoOptions = {
  enters: 300,
  exits: 60,
  campaignEnters: 25,
  batchSize: 10,
  workers: 5,
};

/** What the demo drives: a stack in this process, or one running in another terminal. */
export interface DemoTarget {
  admin: GatewayAdmin;
  provisioned: Provisioned;
  sandboxSummary(): Promise<SandboxSummary>;
  /** Puts a new day of Connect exports on the SFTP sandbox; returns their names. */
  dropConnectFiles(): Promise<string[]>;
  runImport(): Promise<ImportSummary>;
  exportProfiles(): Promise<ProfileLine[]>;
  profile(id: string): Promise<Record<string, unknown> | undefined>;
}

export interface DemoReport {
  webhooks: { requests: number; accepted: number; duplicates: number; ignored: number };
  audienceFlush: FlushReport;
  audienceStatus: JobStatus;
  campaignFlush: FlushReport | null;
  campaignStatus: JobStatus | null;
  /** Why the campaign part did not run, when it did not. */
  campaignNote: string | null;
  import: ImportSummary;
  sandbox: SandboxSummary;
  runner: { profiles: number; sampleEmail: string; sample: Record<string, unknown> | undefined };
}

/**
 * Drives traffic through a running stack: audience enters and exits as Lytics sends them, a forced
 * flush, campaign entries and their flush, and an import; then reads where everything ended up.
 */
export async function runDemo(
  stack: DemoTarget,
  say: (line: string) => void,
  options: DemoOptions = DEFAULT_DEMO,
): Promise<DemoReport> {
  const { admin, provisioned } = stack;
  const users = demoUsers(options.enters);
  // Event times just before now: a later run's events are newer than an earlier run's, so the
  // gateway (which keeps the latest event per user) takes them.
  const start = Date.now() - 2 * 60_000;
  const enters = users.map((user) =>
    audienceWebhook(user, AUDIENCE_SLUG, "enter", start + user.index * 50, [AUDIENCE_SLUG]),
  );
  const exits = users
    .slice(options.enters - options.exits)
    .map((user) => audienceWebhook(user, AUDIENCE_SLUG, "exit", start + 60_000 + user.index * 50, []));
  say(
    `posting ${enters.length} enter and ${exits.length} exit webhooks (${AUDIENCE_SLUG}) in batches of ${options.batchSize}`,
  );
  const totals = { requests: 0, accepted: 0, duplicates: 0, ignored: 0 };
  const count = (answer: HookAnswer) => {
    totals.requests++;
    totals.accepted += answer.accepted;
    totals.duplicates += answer.duplicates;
    totals.ignored += answer.ignored;
  };
  // Enters first and a flush, so the exits find list records to mark (a user who enters and leaves
  // before any flush never reaches Responsys: the gateway dead-letters the PET write of the exit).
  for (const answer of await postInBatches(stack, provisioned.audienceJob, enters, options)) count(answer);
  const enterFlush = await admin.flush(provisioned.audienceJob.id);
  say(`export_audience flush after the enters: ${JSON.stringify(enterFlush)}`);
  for (const answer of await postInBatches(stack, provisioned.audienceJob, exits, options)) count(answer);
  say(
    `webhooks: ${totals.requests} requests, ${totals.accepted} accepted, ${totals.duplicates} duplicates, ${totals.ignored} ignored`,
  );

  const audienceFlush = await admin.flush(provisioned.audienceJob.id);
  const audienceStatus = await admin.status(provisioned.audienceJob.id);
  say(
    `export_audience flush after the exits: ${JSON.stringify(audienceFlush)}; queued now ${audienceStatus.queued}`,
  );

  let campaignFlush: FlushReport | null = null;
  let campaignStatus: JobStatus | null = null;
  let campaignNote: string | null = provisioned.campaignJob === null ? "no export_campaign job" : null;
  const campaignJob = provisioned.campaignJob;
  if (campaignJob !== null) {
    const entries = demoUsers(options.campaignEnters).map((user) =>
      audienceWebhook(user, CAMPAIGN_AUDIENCE_SLUG, "enter", start + user.index * 50, [
        CAMPAIGN_AUDIENCE_SLUG,
      ]),
    );
    say(`posting ${entries.length} enter webhooks (${CAMPAIGN_AUDIENCE_SLUG}) to the export_campaign job`);
    try {
      for (const answer of await postInBatches(stack, campaignJob, entries, options)) count(answer);
      campaignFlush = await admin.flush(campaignJob.id);
      campaignStatus = await admin.status(campaignJob.id);
      say(`export_campaign flush: ${JSON.stringify(campaignFlush)}; queued now ${campaignStatus.queued}`);
    } catch (error) {
      // A gateway that does not queue campaign jobs yet answers 409; the rest of the demo goes on.
      if (!(error instanceof GatewayError)) throw error;
      campaignNote = error.message;
      say(`export_campaign: ${error.message}`);
    }
  }

  const dropped = await stack.dropConnectFiles();
  say(`a new day of Connect exports arrived on the SFTP sandbox: ${dropped.length} PGP-encrypted files`);
  const imported = await stack.runImport();
  const profiles = await stack.exportProfiles();
  const sampleEmail = demoUser(0).email;
  const sample = await stack.profile(sampleEmail);
  return {
    webhooks: totals,
    audienceFlush,
    audienceStatus,
    campaignFlush,
    campaignStatus,
    campaignNote,
    import: imported,
    sandbox: await stack.sandboxSummary(),
    runner: { profiles: profiles.length, sampleEmail, sample },
  };
}

async function postInBatches(
  stack: DemoTarget,
  job: JobRef,
  events: unknown[],
  options: DemoOptions,
): Promise<HookAnswer[]> {
  const batches: unknown[][] = [];
  for (let i = 0; i < events.length; i += options.batchSize)
    batches.push(events.slice(i, i + options.batchSize));
  const answers: HookAnswer[] = [];
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      if (batch !== undefined) answers.push(await stack.admin.postWebhook(job.id, job.webhookSecret, batch));
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
  return answers;
}

/** The demo's outcome as the lines `npm run demo` prints. */
export function describeReport(report: DemoReport): string[] {
  const lines = [
    `gateway   webhooks: ${report.webhooks.requests} requests, ${report.webhooks.accepted} events accepted, ${report.webhooks.duplicates} duplicates, ${report.webhooks.ignored} ignored`,
    `gateway   export_audience: ${report.audienceStatus.totals.sent} users sent, ${report.audienceStatus.totals.rejected} rejected, ${report.audienceStatus.queued} queued, ${report.audienceStatus.deadLetters} dead letters, state ${report.audienceStatus.state}`,
  ];
  if (report.campaignNote !== null) lines.push(`gateway   export_campaign: skipped (${report.campaignNote})`);
  if (report.campaignStatus !== null) {
    lines.push(
      `gateway   export_campaign: ${report.campaignStatus.totals.sent} triggers sent, ${report.campaignStatus.totals.rejected} rejected, ${report.campaignStatus.queued} queued, state ${report.campaignStatus.state}`,
    );
  }
  lines.push(
    `sandbox   CONTACTS_LIST members: ${report.sandbox.listMembers}`,
    `sandbox   Lytics_Segments rows: ${report.sandbox.segmentRows} (${report.sandbox.segmentMembers} still in ${AUDIENCE_SLUG})`,
    `sandbox   Welcome_Series emails triggered: ${report.sandbox.triggeredEmails}`,
    `runner    import: ${report.import.files.imported} file(s) imported now, ${report.import.events} events; profiles in the store: ${report.runner.profiles}`,
    `runner    profile ${report.runner.sampleEmail}:`,
    ...JSON.stringify(report.runner.sample ?? null, null, 2)
      .split("\n")
      .map((line) => `            ${line}`),
  );
  return lines;
}
