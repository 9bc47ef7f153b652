// Builders shared by the campaign tests (never imported by the Worker itself).

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { WebhookUser } from "@responsys-bridge/core";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { QueueStore } from "../queue/store.ts";
import type { CampaignJob } from "./campaign-job.ts";
import { CampaignQueue } from "./campaign-queue.ts";
import { campaignMigration } from "./migrations.ts";

/** A campaign job on the sandbox's Welcome_Series (list CONTACTS_LIST), reading `email`. */
export function campaignJob(overrides: Partial<CampaignJob> = {}): CampaignJob {
  return {
    id: "job_campaign1",
    type: "export_campaign",
    authorizationId: "auth_test1",
    audience: "new_signups",
    emailField: "email",
    campaign: "Welcome_Series",
    list: { folderName: "Lists", objectName: "CONTACTS_LIST" },
    backfill: false,
    additionalFields: [],
    lytics: null,
    ...overrides,
  };
}

/** A webhook user entering (or exiting) `audience` at `at`. */
export function audienceEvent(
  data: Record<string, unknown>,
  options: { audience?: string; event?: "enter" | "exit"; at?: string } = {},
): WebhookUser {
  const event = options.event ?? "enter";
  const at = options.at ?? "2026-01-01T00:00:00.000000000Z";
  return {
    profileId: null,
    sentAt: at,
    data: { ...data, segment_events: [{ slug: options.audience ?? "new_signups", event, [event]: at }] },
  };
}

/** Canonical event time `minutes` after 2026-01-01T00:00Z. */
export function minutesIn(minutes: number): string {
  return new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString().replace(".000Z", ".000000000Z");
}

export interface CampaignStorage {
  queue: CampaignQueue;
  store: QueueStore;
  state: DurableObjectState;
}

/** A job queue object's storage, with the campaign tables, for tests of the campaign modules. */
export function campaignObject(name: string): DurableObjectStub {
  return env.JOB_QUEUE.get(env.JOB_QUEUE.idFromName(name));
}

/**
 * Runs `test` inside a job queue object with a CampaignQueue on its storage. The campaign tables
 * are created when the object's own migrations have not made them yet.
 */
export async function withCampaignQueue<T>(
  stub: DurableObjectStub,
  test: (storage: CampaignStorage) => Promise<T> | T,
): Promise<T> {
  return runInDurableObject(stub, async (_instance, state) => {
    const made = state.storage.sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'campaign_members'")
      .toArray();
    if (made.length === 0) {
      for (const statement of campaignMigration.split("--> statement-breakpoint"))
        state.storage.sql.exec(statement);
    }
    const db = drizzle(state.storage);
    const store = new QueueStore(db);
    return test({ queue: new CampaignQueue(db, store), store, state });
  });
}
