import { relative } from "node:path";
import { demoUser } from "./demo-users.ts";
import { audienceWebhook } from "./lytics-webhook.ts";
import { AUDIENCE_SLUG, CAMPAIGN_AUDIENCE_SLUG } from "./provision.ts";
import { RUNNER_JOB_ID } from "./runner.ts";
import type { Stack } from "./stack.ts";

/** What `npm start` prints once everything is up: where each part is and what to try. */
export function stackBanner(stack: Stack, repoRoot: string, schedule: string | null): string[] {
  const { provisioned } = stack;
  const audienceJob = provisioned.audienceJob;
  const shown = (path: string) => {
    const rel = relative(repoRoot, path);
    return rel.startsWith("..") ? path : rel;
  };
  const sampleBody = JSON.stringify(
    audienceWebhook(demoUser(0), AUDIENCE_SLUG, "enter", Date.now(), [AUDIENCE_SLUG]),
  );
  const lines = [
    "",
    "responsys-bridge local stack is up",
    "",
    `  Responsys sandbox  ${stack.sandboxUrl}   login sandbox / sandbox; control API ${stack.sandboxUrl}/__sandbox/state`,
    `  Edge gateway       ${stack.gatewayUrl}   (wrangler dev, local D1 + Durable Objects)`,
    `  Admin token        ${stack.adminToken}`,
    `  SFTP sandbox       sftp://${stack.sftp.username}@${stack.sftp.host}:${stack.sftp.port}/download   host key ${stack.sftp.hostKeyFingerprint}`,
    `  Batch runner       job ${RUNNER_JOB_ID}, PGlite in ${shown(`${stack.paths.runnerDir}/data`)}, ${schedule === null ? "imports on demand" : `import on "${schedule}"`}`,
    `  Runner config      ${shown(stack.paths.runnerConfig)}`,
    `  State              ${shown(stack.paths.root)} (secrets, keys, databases; delete it to start afresh)`,
    "",
    `  Jobs               export_audience ${audienceJob.id}  (${AUDIENCE_SLUG} → Lists/CONTACTS_LIST)`,
    provisioned.campaignJob === null
      ? "                     export_campaign: not available on this gateway"
      : `                     export_campaign ${provisioned.campaignJob.id}  (${CAMPAIGN_AUDIENCE_SLUG} → Welcome_Series)`,
  ];
  if (stack.initialImport !== undefined) {
    const { files, events } = stack.initialImport;
    lines.push(
      `  First import       ${files.imported} file(s) imported, ${files.skipped} skipped, ${files.failed} failed; ${events} events`,
    );
  }
  lines.push(
    "",
    "Try it:",
    "  # a Lytics audience-enter webhook for the export_audience job",
    `  curl -sS -X POST ${stack.admin.webhookUrl(audienceJob.id)} \\`,
    `    -H 'Authorization: Bearer ${audienceJob.webhookSecret}' -H 'Content-Type: application/json' \\`,
    `    -d '${sampleBody}'`,
    "  # send the queue to Responsys now (it goes by itself at 200 users or after 10 minutes)",
    `  curl -sS -X POST ${stack.gatewayUrl}/v1/jobs/${audienceJob.id}/flush -H 'Authorization: Bearer ${stack.adminToken}'`,
    `  curl -sS ${stack.gatewayUrl}/v1/jobs/${audienceJob.id}/status -H 'Authorization: Bearer ${stack.adminToken}'`,
    "  # the list members in the Responsys sandbox",
    `  curl -s ${stack.sandboxUrl}/__sandbox/state | jq '.lists[] | select(.name == "CONTACTS_LIST") | .members'`,
    "  # an imported user's profile in the runner's store",
    `  npm run runner -- profile ${demoUser(0).email} --config ${stack.paths.runnerConfig}`,
    "  # the Connect files on the SFTP sandbox, and the host key the runner pins (OpenSSH clients)",
    `  sftp -i ${shown(stack.paths.sftpClientKey)} -P ${stack.sftp.port} ${stack.sftp.username}@${stack.sftp.host}:/download`,
    `  ssh-keyscan -p ${stack.sftp.port} ${stack.sftp.host} 2>/dev/null | ssh-keygen -lf -`,
    "  # in another terminal: a few hundred webhooks, flushes, an import, and what ended up where",
    "  npm run demo",
    "",
    "Ctrl-C stops everything.",
    "",
  );
  return lines;
}
