import { hashEmail } from "@responsys-bridge/core";
import { describe, expect, it } from "vitest";
import { fieldText, identifierValue, projectUser, retainedWebhookUser } from "./queued-user.ts";
import { exportJob, webhookUser } from "./test-kit.ts";

const RECEIVED = "2026-02-02T00:00:00.000000000Z";

describe("identifierValue", () => {
  it.each([
    ["EMAIL_ADDRESS_", " Ann@Example.com ", "Ann@Example.com"],
    ["CUSTOMER_ID_", 42, "42"],
    ["CUSTOMER_ID_", ["", "c-1", "c-2"], "c-1"],
    ["CUSTOMER_ID_", null, ""],
    ["CUSTOMER_ID_", { id: 1 }, ""],
    ["EMAIL_MD5_HASH_", " Ann@Example.com", hashEmail("ann@example.com", "md5")],
    ["EMAIL_SHA256_HASH_", "ann@example.com", hashEmail("ann@example.com", "sha256")],
    ["EMAIL_MD5_HASH_", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"],
  ])("%s of %j is %j", (column, raw, expected) => {
    expect(identifierValue(column, raw)).toBe(expected);
  });
});

describe("fieldText", () => {
  it.each([
    [null, ""],
    ["Ann", "Ann"],
    [12.5, "12.5"],
    [true, "true"],
    [["a", "b", 3], "a,b,3"],
    [{ city: "Oslo" }, '{"city":"Oslo"}'],
    ["x".repeat(600), "x".repeat(500)],
  ])("%j → %j", (value, expected) => {
    expect(fieldText(value)).toBe(expected);
  });
});

describe("projectUser", () => {
  it("keeps identifiers, fields and memberships, keyed by the normalised match value", () => {
    const job = exportJob({ additionalFields: ["first_name", "ltv"], audienceMemberships: ["vip", "churn"] });
    const user = webhookUser({
      email: "Ann@Example.com",
      user_id: 7,
      first_name: "Ann",
      _segments: ["churn"],
    });
    const projection = projectUser(job, user, RECEIVED);
    expect(projection.kind).toBe("queued");
    if (projection.kind !== "queued") return;
    expect(projection.user).toEqual({
      key: "ann@example.com",
      event: "enter",
      eventTime: "2026-01-01T00:00:00.000000000Z",
      profileId: null,
      identifiers: { EMAIL_ADDRESS_: "Ann@Example.com", CUSTOMER_ID_: "7" },
      fields: { first_name: "Ann", ltv: "" },
      memberships: { vip: true, churn: true },
    });
    expect(projection.eventKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it("gives the same event key for a retried delivery and a different one for another event", () => {
    const job = exportJob();
    const key = (user: ReturnType<typeof webhookUser>) => {
      const projection = projectUser(job, user, RECEIVED);
      return projection.kind === "queued" ? projection.eventKey : null;
    };
    const enter = key(webhookUser({ email: "a@x.io" }));
    expect(key(webhookUser({ email: "A@x.io" }))).toBe(enter);
    expect(key(webhookUser({ email: "a@x.io" }, { event: "exit" }))).not.toBe(enter);
    expect(key(webhookUser({ email: "a@x.io" }, { at: "2026-01-01T00:00:00.000000001Z" }))).not.toBe(enter);
  });

  it("ignores users without a match value, with an over-long one, or without audience facts", () => {
    const job = exportJob();
    expect(projectUser(job, webhookUser({ user_id: "1" }), RECEIVED)).toMatchObject({
      code: "MISSING_IDENTIFIER",
    });
    expect(projectUser(job, webhookUser({ email: `${"a".repeat(600)}@x.io` }), RECEIVED)).toMatchObject({
      code: "INVALID_IDENTIFIER",
    });
    const noEvent = { profileId: null, sentAt: null, data: { email: "a@x.io" } };
    expect(projectUser(job, noEvent, RECEIVED)).toMatchObject({ kind: "ignored", code: "NO_AUDIENCE_EVENT" });
  });

  it("keys hash-matched users by the digest", () => {
    const job = exportJob({
      idMappings: [{ lyticsField: "email", responsysField: "EMAIL_SHA256_HASH_" }],
      matchColumn1: "EMAIL_SHA256_HASH_",
    });
    const projection = projectUser(job, webhookUser({ email: "Ann@Example.com" }), RECEIVED);
    expect(projection.kind === "queued" && projection.user.key).toBe(hashEmail("ann@example.com", "sha256"));
  });
});

describe("retainedWebhookUser", () => {
  it("keeps only mapped fields and the job's audiences, bounded", () => {
    const job = exportJob({ additionalFields: ["first_name"] });
    const user = webhookUser({
      email: "",
      first_name: "x".repeat(5000),
      huge: "y".repeat(100_000),
      _segments: ["vip", "other"],
      nested: { deep: [1, 2, 3] },
    });
    const kept = retainedWebhookUser(job, user);
    expect(Object.keys(kept.data).sort()).toEqual(["_segments", "email", "first_name", "segment_events"]);
    expect(String(kept.data.first_name).length).toBe(2000);
    expect(kept.data._segments).toEqual(["vip"]);
  });
});
