import { isBridgeError } from "@responsys-bridge/core";
import { isResponsysError, type TriggerRecipient } from "@responsys-bridge/responsys-client";
import type { CampaignJob } from "./campaign-job.ts";
import type { CampaignEntry } from "./ledger.ts";
import type { CampaignResponsys } from "./responsys-port.ts";

/** What became of one entry in a trigger call. */
export type EntryOutcome =
  | { kind: "sent"; entry: CampaignEntry }
  /** Responsys refused it (`success: false`, or a request that failed for this recipient alone). */
  | { kind: "rejected"; entry: CampaignEntry; code: string; reason: string }
  /** The call's outcome is unknown: it may have been sent. Never repeated without a person. */
  | { kind: "ambiguous"; entry: CampaignEntry; reason: string };

/** How a failed trigger call is handled. */
export type TriggerFailureClass =
  /** The email may have gone out: dead-letter as AMBIGUOUS_DELIVERY. */
  | "ambiguous"
  /** Nothing was sent and the same call may succeed later: requeue, job backoff. */
  | "retry"
  /** Nothing was sent and nothing will until a person fixes the job or account: requeue, job failing. */
  | "job"
  /** Nothing was sent and this request (its recipients) can never succeed: dead-letter them. */
  | "request";

// Answers that concern the job or the account, not the recipients in the call: dead-lettering the
// batch for them would empty the queue into the dead letters while the campaign is misconfigured.
const JOB_LEVEL_CODES = new Set([
  "CAMPAIGN_NOT_FOUND",
  "LIST_NOT_FOUND",
  "INSUFFICIENT_ACCESS",
  "API_DISABLED_FOR_USER",
  "ACCOUNT_SUSPENDED",
  "API_BLOCKED",
]);

// Input checks of the client, failing before anything is sent.
const INPUT_CODES = new Set(["INVALID_RECIPIENT", "INVALID_RECORDS", "TOO_MANY_RECORDS"]);

/** Sorts a failed trigger call by what may have happened and who can fix it. */
export function classifyTriggerFailure(error: unknown): TriggerFailureClass {
  if (isResponsysError(error)) {
    switch (error.kind) {
      case "ambiguous":
      case "unexpected":
        return "ambiguous";
      case "throttled":
      case "capacity":
      case "server":
      case "network":
      case "auth":
        return "retry";
      case "login":
        return "job";
      case "permanent": {
        const code = (error.errorCode ?? error.code).toUpperCase();
        const status = error.status ?? 400;
        if (JOB_LEVEL_CODES.has(code) || status === 401 || status === 403 || status === 404) return "job";
        return "request";
      }
    }
  }
  if (isBridgeError(error) && INPUT_CODES.has(error.code)) return "request";
  // Anything else failed before the call left (session object, token, a bug): nothing was sent.
  return "retry";
}

/** The trigger recipient of an entry: email, the campaign's list, and optionalData as strings. */
export function triggerRecipient(job: CampaignJob, entry: CampaignEntry): TriggerRecipient {
  const optionalData: Record<string, string> = {};
  for (const field of job.additionalFields ?? []) optionalData[field] = entry.recipient.fields[field] ?? "";
  return {
    emailAddress: entry.recipient.email,
    listName: { folderName: job.list.folderName, objectName: job.list.objectName },
    ...(Object.keys(optionalData).length === 0 ? {} : { optionalData }),
  };
}

// `NO_RECIPIENT_FOUND: Recipient Not Found` → NO_RECIPIENT_FOUND.
function outcomeCode(message: string | null): string {
  const code = /^([A-Z][A-Z0-9_]*)\s*:/.exec(message ?? "")?.[1];
  return code ?? "TRIGGER_FAILED";
}

function errorText(error: unknown): { code: string; message: string } {
  if (isResponsysError(error)) return { code: error.errorCode ?? error.code, message: error.message };
  if (isBridgeError(error)) return { code: error.code, message: error.message };
  return { code: "INTERNAL_ERROR", message: error instanceof Error ? error.message : String(error) };
}

export interface DeliveryResult {
  /** Entries not settled (their call failed retryably, or came after one that did): requeue. */
  unsent: CampaignEntry[];
  /** The failure that stopped the batch, for the job's backoff and `lastError`; null when none. */
  failure: { error: unknown; permanent: boolean } | null;
}

/**
 * Triggers one claimed batch (at most 200 entries). Each call's outcomes are handed to `settle` as
 * soon as it returns, so a restart between calls never mistakes a settled entry for one in
 * flight. A whole request refused for its content (400) proved nothing was sent: it is split in
 * halves and retried until the refused recipients stand alone and are dead-lettered, so one bad
 * recipient does not take 199 others with it.
 */
export async function deliverCampaignBatch(
  port: CampaignResponsys,
  job: CampaignJob,
  entries: readonly CampaignEntry[],
  settle: (outcomes: EntryOutcome[]) => void,
): Promise<DeliveryResult> {
  const groups: CampaignEntry[][] = entries.length === 0 ? [] : [[...entries]];
  const unsent: CampaignEntry[] = [];
  let failure: DeliveryResult["failure"] = null;
  for (let group = groups.shift(); group !== undefined; group = groups.shift()) {
    if (failure !== null) {
      unsent.push(...group);
      continue;
    }
    const members = group;
    let results: Awaited<ReturnType<CampaignResponsys["triggerEmail"]>>;
    try {
      results = await port.triggerEmail(
        job.campaign,
        members.map((entry) => triggerRecipient(job, entry)),
      );
    } catch (error) {
      const kind = classifyTriggerFailure(error);
      const { code, message } = errorText(error);
      if (kind === "ambiguous") {
        const reason = `${message} Responsys may or may not have sent this email; replay it only if it did not arrive.`;
        settle(members.map((entry) => ({ kind: "ambiguous", entry, reason })));
      } else if (kind === "request" && members.length > 1) {
        const half = Math.ceil(members.length / 2);
        groups.unshift(members.slice(0, half), members.slice(half));
      } else if (kind === "request") {
        settle(members.map((entry) => ({ kind: "rejected", entry, code, reason: message })));
      } else {
        failure = { error, permanent: kind === "job" };
        unsent.push(...members);
      }
      continue;
    }
    settle(
      members.map((entry, index): EntryOutcome => {
        const result = results[index];
        if (result?.success === true) return { kind: "sent", entry };
        const message = result?.errorMessage ?? "Responsys did not send it and gave no reason.";
        return { kind: "rejected", entry, code: outcomeCode(message), reason: message };
      }),
    );
  }
  return { unsent, failure };
}
