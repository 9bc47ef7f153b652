// Sandbox helpers for the campaign tests: members on the campaign's list, faults, and what the
// sandbox recorded and sent. The campaign tests have a sandbox of their own (its faults would
// otherwise hit other files' calls); helpers still narrow to the emails the calling test made.

import { env } from "cloudflare:workers";
import { defaultSeed } from "@responsys-bridge/responsys-sandbox";
import { expect, inject } from "vitest";
import { readConfig } from "../src/env.ts";
import { responsysClientFor } from "../src/responsys/client.ts";
import { createSandboxAuthorization } from "./admin.ts";
import type { RecordedRequest } from "./sandbox-control.ts";

export const TRIGGER_PATH = "/campaigns/Welcome_Series/email";

const sandbox = () => inject("campaignSandboxUrl");

/** An authorization on the campaign tests' sandbox. */
export function createCampaignAuthorization(): Promise<string> {
  return createSandboxAuthorization({ endpoint: sandbox(), label: "Campaign sandbox" });
}

async function recordedRequests(filter: { path: string }): Promise<RecordedRequest[]> {
  const response = await fetch(`${sandbox()}/__sandbox/requests?path=${encodeURIComponent(filter.path)}`);
  const body = (await response.json()) as { requests: RecordedRequest[] };
  return body.requests;
}

/** Emails no other test uses: `tag-<random>-<n>@example.com`. */
export function uniqueEmails(tag: string, count: number): string[] {
  const run = crypto.randomUUID().slice(0, 8);
  return Array.from({ length: count }, (_, index) => `${tag}-${run}-${index}@example.com`);
}

/** One email no other test uses. */
export function uniqueEmail(tag: string): string {
  return `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** Puts the emails (with first names) on CONTACTS_LIST, the list Welcome_Series sends to. */
export async function addMembers(
  authorizationId: string,
  members: { email: string; firstName?: string; undeliverable?: boolean }[],
): Promise<void> {
  const client = responsysClientFor(env, authorizationId, readConfig(env));
  const results = await client.lists.mergeMembers("CONTACTS_LIST", {
    fieldNames: ["EMAIL_ADDRESS_", "FIRST_NAME", "EMAIL_DELIVERABILITY_STATUS_"],
    records: members.map((member) => [
      member.email,
      member.firstName ?? "",
      member.undeliverable === true ? "U" : "D",
    ]),
    mergeRule: {
      insertOnNoMatch: true,
      matchColumnName1: "EMAIL_ADDRESS_",
      defaultPermissionStatus: "OPTIN",
    },
  });
  expect(results.every((result) => result.ok)).toBe(true);
}

type RecipientData = {
  recipient: { emailAddress?: string; listName?: unknown };
  optionalData?: { name: string; value: string }[];
};

function recipientsOf(request: RecordedRequest): RecipientData[] {
  const body = request.body;
  if (
    typeof body !== "object" ||
    body === null ||
    !("recipientData" in body) ||
    !Array.isArray(body.recipientData)
  )
    return [];
  return body.recipientData as RecipientData[];
}

/** Recorded trigger requests that carry any of `emails`. */
export async function triggerRequests(emails: readonly string[]): Promise<RecordedRequest[]> {
  const wanted = new Set(emails);
  return (await recordedRequests({ path: TRIGGER_PATH })).filter((request) =>
    recipientsOf(request).some((data) => wanted.has(data.recipient.emailAddress ?? "")),
  );
}

/** The recipients of recorded trigger requests, for `emails` only. */
export async function triggeredRecipients(emails: readonly string[]): Promise<RecipientData[]> {
  const wanted = new Set(emails);
  return (await triggerRequests(emails)).flatMap((request) =>
    recipientsOf(request).filter((data) => wanted.has(data.recipient.emailAddress ?? "")),
  );
}

/** How many emails the sandbox actually sent to `email` (a dropped connection after sending counts). */
export async function sentCount(email: string): Promise<number> {
  const response = await fetch(`${sandbox()}/__sandbox/state`);
  const state = (await response.json()) as { sent: { emailAddress: string | null; campaign: string }[] };
  return state.sent.filter((sent) => sent.emailAddress === email && sent.campaign === "Welcome_Series")
    .length;
}

/** Arms one fault on Welcome_Series triggers. */
export async function armTriggerFault(fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sandbox()}/__sandbox/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ...fault, match: { api: "Trigger Email", path: TRIGGER_PATH } }),
  });
  expect(response.status).toBe(201);
}

/**
 * Replaces the campaign sandbox's data: without its campaigns (`campaigns: false`), or back to the
 * default seed. Members merged by tests are gone either way.
 */
export async function seedCampaignSandbox(options: { campaigns: boolean }): Promise<void> {
  const seed = options.campaigns ? defaultSeed : { ...defaultSeed, campaigns: [] };
  const response = await fetch(`${sandbox()}/__sandbox/seed`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(seed),
  });
  expect(response.ok, await response.text()).toBe(true);
}
