import {
  ResponsysError,
  type TriggerRecipient,
  type TriggerResult,
} from "@responsys-bridge/responsys-client";
import { describe, expect, it } from "vitest";
import {
  classifyTriggerFailure,
  deliverCampaignBatch,
  type EntryOutcome,
  triggerRecipient,
} from "./deliver.ts";
import type { CampaignEntry } from "./ledger.ts";
import type { CampaignResponsys } from "./responsys-port.ts";
import { campaignJob } from "./test-kit.ts";

function responsysError(kind: ResponsysError["kind"], status?: number, errorCode?: string): ResponsysError {
  return new ResponsysError({
    kind,
    apiFunction: "triggerEmail",
    message: `${errorCode ?? kind}`,
    status,
    errorCode,
  });
}

describe("classifyTriggerFailure", () => {
  const cases: { name: string; error: unknown; want: ReturnType<typeof classifyTriggerFailure> }[] = [
    {
      name: "connection lost after sending",
      error: responsysError("ambiguous", undefined, undefined),
      want: "ambiguous",
    },
    {
      name: "API_LIMIT_EXCEEDED",
      error: responsysError("throttled", 401, "API_LIMIT_EXCEEDED"),
      want: "retry",
    },
    { name: "429", error: responsysError("throttled", 429), want: "retry" },
    {
      name: "INTERNAL_CAPACITY_LIMIT_EXCEEDED",
      error: responsysError("capacity", 401, "INTERNAL_CAPACITY_LIMIT_EXCEEDED"),
      want: "retry",
    },
    { name: "503", error: responsysError("server", 503, "UNEXPECTED_EXCEPTION"), want: "retry" },
    {
      name: "a campaign that does not exist",
      error: responsysError("permanent", 404, "CAMPAIGN_NOT_FOUND"),
      want: "job",
    },
    {
      name: "INSUFFICIENT_ACCESS",
      error: responsysError("permanent", 401, "INSUFFICIENT_ACCESS"),
      want: "job",
    },
    {
      name: "a refused login",
      error: responsysError("login", 401, "INVALID_USER_NAME_PASSWORD"),
      want: "job",
    },
    {
      name: "a whole-request INVALID_PARAMETER",
      error: responsysError("permanent", 400, "INVALID_PARAMETER"),
      want: "request",
    },
    { name: "an error before the call left", error: new TypeError("session unreachable"), want: "retry" },
  ];
  it.each(cases)("$name → $want", ({ error, want }) => {
    expect(classifyTriggerFailure(error)).toBe(want);
  });
});

function entry(id: number, email: string): CampaignEntry {
  return {
    id,
    key: email,
    enteredAt: "2026-01-01T00:00:00.000000000Z",
    recipient: { key: email, email, fields: { first_name: `F${id}` }, profileId: null },
    replays: 0,
  };
}

/** An in-memory Responsys that refuses any request carrying a `bad` address, as Responsys does with a 400. */
class MemoryCampaign implements CampaignResponsys {
  readonly calls: string[][] = [];
  failNext: unknown[] = [];
  async triggerEmail(_campaign: string, recipients: readonly TriggerRecipient[]): Promise<TriggerResult[]> {
    const emails = recipients.map((recipient) => recipient.emailAddress ?? "");
    this.calls.push(emails);
    const fault = this.failNext.shift();
    if (fault !== undefined) throw fault;
    if (emails.some((email) => email.startsWith("bad")))
      throw responsysError("permanent", 400, "INVALID_PARAMETER");
    return emails.map((email) =>
      email.startsWith("gone")
        ? { recipientId: -1, success: false, errorMessage: "NO_RECIPIENT_FOUND: Recipient Not Found" }
        : { recipientId: 1, success: true, errorMessage: null },
    );
  }
}

describe("deliverCampaignBatch", () => {
  const job = campaignJob({ additionalFields: ["first_name"] });

  it("builds the recipient from the entry: email, the campaign's list, optionalData as strings", () => {
    expect(triggerRecipient(job, entry(1, "a@x.io"))).toEqual({
      emailAddress: "a@x.io",
      listName: { folderName: "Lists", objectName: "CONTACTS_LIST" },
      optionalData: { first_name: "F1" },
    });
  });

  it("settles sent and refused recipients with Responsys' message", async () => {
    const port = new MemoryCampaign();
    const settled: EntryOutcome[] = [];
    const result = await deliverCampaignBatch(port, job, [entry(1, "a@x.io"), entry(2, "gone@x.io")], (o) =>
      settled.push(...o),
    );
    expect(result).toEqual({ unsent: [], failure: null });
    expect(settled.map((o) => [o.entry.id, o.kind, o.kind === "rejected" ? o.code : null])).toEqual([
      [1, "sent", null],
      [2, "rejected", "NO_RECIPIENT_FOUND"],
    ]);
  });

  it("splits a request refused for its content until the bad recipient stands alone", async () => {
    const port = new MemoryCampaign();
    const entries = [
      entry(1, "a@x.io"),
      entry(2, "b@x.io"),
      entry(3, "bad@x.io"),
      entry(4, "d@x.io"),
      entry(5, "e@x.io"),
    ];
    const settled: EntryOutcome[] = [];
    await deliverCampaignBatch(port, job, entries, (o) => settled.push(...o));
    expect(
      settled
        .filter((o) => o.kind === "sent")
        .map((o) => o.entry.id)
        .sort(),
    ).toEqual([1, 2, 4, 5]);
    expect(settled.filter((o) => o.kind === "rejected")).toMatchObject([
      { entry: { id: 3 }, code: "INVALID_PARAMETER" },
    ]);
    // Every recipient but the bad one went out exactly once.
    const sentCalls = port.calls.filter((call) => !call.some((email) => email.startsWith("bad"))).flat();
    expect(sentCalls.sort()).toEqual(["a@x.io", "b@x.io", "d@x.io", "e@x.io"]);
  });

  it("dead-letters a call whose outcome is unknown and never repeats it", async () => {
    const port = new MemoryCampaign();
    port.failNext = [responsysError("ambiguous")];
    const settled: EntryOutcome[] = [];
    const result = await deliverCampaignBatch(port, job, [entry(1, "a@x.io"), entry(2, "b@x.io")], (o) =>
      settled.push(...o),
    );
    expect(port.calls).toHaveLength(1);
    expect(settled.map((o) => o.kind)).toEqual(["ambiguous", "ambiguous"]);
    expect(result.failure).toBeNull();
  });

  it("hands back everything unsent when throttled, mid-split included", async () => {
    const port = new MemoryCampaign();
    // The whole batch is refused for one bad recipient; the first half then gets throttled.
    port.failNext = [
      responsysError("permanent", 400, "INVALID_PARAMETER"),
      responsysError("throttled", 401, "API_LIMIT_EXCEEDED"),
    ];
    const entries = [entry(1, "a@x.io"), entry(2, "b@x.io"), entry(3, "c@x.io"), entry(4, "d@x.io")];
    const settled: EntryOutcome[] = [];
    const result = await deliverCampaignBatch(port, job, entries, (o) => settled.push(...o));
    expect(settled).toEqual([]);
    expect(result.unsent.map((e) => e.id).sort()).toEqual([1, 2, 3, 4]);
    expect(result.failure).toMatchObject({ permanent: false });
  });

  it("marks a job-level refusal permanent and sends nothing more", async () => {
    const port = new MemoryCampaign();
    port.failNext = [responsysError("permanent", 404, "CAMPAIGN_NOT_FOUND")];
    const result = await deliverCampaignBatch(port, job, [entry(1, "a@x.io")], () => undefined);
    expect(result.failure).toMatchObject({ permanent: true });
    expect(result.unsent).toHaveLength(1);
  });
});
