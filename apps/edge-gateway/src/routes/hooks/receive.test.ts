import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../../app.ts";
import type { JobQueue } from "../../durable/job-queue.ts";
import { configuredJob, lyticsItem } from "../../queue/test-kit.ts";

const SECRET = "whsec-test-0123456789abcdef";
const admin = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
const made: DurableObjectStub<JobQueue>[] = [];

afterEach(async () => {
  // Alarms outlive tests (workers-sdk #5388): every queue made here is deleted, alarm included.
  for (const stub of made.splice(0)) await stub.destroy();
});

async function newJob(overrides: Parameters<typeof configuredJob>[2] = {}) {
  const job = await configuredJob(env, SECRET, overrides);
  made.push(job.stub);
  return job;
}

function post(jobId: string, body: BodyInit | null, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`http://gateway/v1/hooks/${jobId}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json", ...headers },
    body,
  });
}

async function errorOf(
  response: Response,
): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  const body = (await response.json()) as {
    error: { code: string; message: string; details?: Record<string, unknown> };
  };
  return body.error;
}

describe("accepted payloads", () => {
  it("takes the Lytics default format and counts a retried delivery as a duplicate", async () => {
    const { id, stub } = await newJob();
    const body = JSON.stringify(lyticsItem("ann@example.com"));
    const first = await post(id, body);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: 1, duplicates: 0, ignored: 0 });
    const retry = await post(id, body);
    expect(await retry.json()).toEqual({ accepted: 0, duplicates: 1, ignored: 0 });
    expect(await stub.queuedCount()).toBe(1);
    const status = await stub.status();
    expect(status?.totals).toMatchObject({ received: 2, duplicates: 1, ignored: 0 });
  });

  it("takes a batched array, ignoring and dead-lettering users without the match value", async () => {
    const { id, stub } = await newJob();
    const batch = [
      lyticsItem("a@x.io"),
      lyticsItem(null, { extra: { user_id: "u-9" } }),
      lyticsItem("b@x.io"),
    ];
    const response = await post(id, JSON.stringify(batch));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 2, duplicates: 0, ignored: 1 });
    expect(await stub.queuedCount()).toBe(2);
    const letters = await exports.default.fetch(`http://gateway/v1/jobs/${id}/dead-letters`, {
      headers: admin,
    });
    const page = (await letters.json()) as {
      items: { code: string; user: { data: Record<string, unknown> } }[];
    };
    expect(page.items).toHaveLength(1);
    expect(page.items[0]?.code).toBe("MISSING_IDENTIFIER");
    expect(page.items[0]?.user.data.user_id).toBe("u-9");
    // A redelivery of the same batch changes nothing: no second dead letter.
    const again = await post(id, JSON.stringify(batch));
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 3, ignored: 0 });
    expect((await stub.status())?.deadLetters).toBe(1);
  });

  it("takes CloudEvents with membership from _segments, authenticated by X-Api-Key", async () => {
    const { id, stub } = await newJob();
    const event = {
      specversion: "1.0",
      id: "evt-1",
      source: "lytics/job/1",
      type: "com.lytics.audience.user.event",
      datacontenttype: "application/json",
      time: "2026-03-01T10:00:00.123456789+02:00",
      data: { email: "cara@x.io", _segments: ["vip", "all"] },
    };
    const response = await post(id, JSON.stringify(event), {
      Authorization: "",
      "X-Api-Key": SECRET,
      "Content-Type": "application/cloudevents+json",
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 1, duplicates: 0, ignored: 0 });
    expect(await post(id, JSON.stringify(event), { "X-Api-Key": SECRET }).then((r) => r.json())).toEqual({
      accepted: 0,
      duplicates: 1,
      ignored: 0,
    });
    expect(await stub.queuedCount()).toBe(1);
  });

  it("keeps the latest state per user whatever the arrival order", async () => {
    const { id, stub } = await newJob();
    const exit = lyticsItem("d@x.io", { event: "exit", at: "2026-01-01T00:00:05Z" });
    const enter = lyticsItem("d@x.io", { event: "enter", at: "2026-01-01T00:00:01-00:00" });
    expect((await post(id, JSON.stringify(exit))).status).toBe(202);
    expect(await post(id, JSON.stringify(enter)).then((r) => r.json())).toEqual({
      accepted: 1,
      duplicates: 0,
      ignored: 0,
    });
    expect(await stub.queuedCount()).toBe(1);
    const [row] = await runInQueue(stub);
    expect(row?.event).toBe("exit");
  });
});

describe("dead letters of unusable users", () => {
  it("pages by cursor, and a replay of all keeps what still cannot be queued, counting attempts", async () => {
    const { id } = await newJob();
    const route = (path: string, init: RequestInit = {}) =>
      exports.default.fetch(`http://gateway/v1/jobs/${id}${path}`, { ...init, headers: admin });
    const nameless = Array.from({ length: 105 }, (_, index) => ({
      ...lyticsItem(null, { extra: { user_id: `u${index}` } }),
      id: `profile-${index}`,
    }));
    expect(await (await post(id, JSON.stringify(nameless))).json()).toEqual({
      accepted: 0,
      duplicates: 0,
      ignored: 105,
    });

    type Page = { items: { id: number; attempts: number; code: string }[]; next: string | null };
    const first = (await (await route("/dead-letters")).json()) as Page;
    expect(first.items).toHaveLength(100);
    expect(first.next).not.toBeNull();
    const second = (await (await route(`/dead-letters?cursor=${first.next}`)).json()) as Page;
    expect(second.items).toHaveLength(5);
    expect(second.next).toBeNull();
    expect(new Set([...first.items, ...second.items].map((item) => item.id)).size).toBe(105);
    expect((await route("/dead-letters?cursor=abc")).status).toBe(400);

    const replay = await route("/dead-letters/replay", { method: "POST" });
    expect(await replay.json()).toEqual({ replayed: 0, stillFailing: 105, notFound: [], remaining: 0 });
    const again = (await (await route("/dead-letters")).json()) as Page;
    expect(again.items.every((item) => item.attempts === 2 && item.code === "MISSING_IDENTIFIER")).toBe(true);
  });
});

describe("refusals (SPEC §3.3)", () => {
  it("401 without a secret or with a wrong one, changing nothing", async () => {
    const { id, stub } = await newJob();
    const body = JSON.stringify(lyticsItem("a@x.io"));
    const attempts: Record<string, string>[] = [
      { Authorization: "" },
      { Authorization: "Bearer nope" },
      { Authorization: "", "X-Api-Key": "nope" },
    ];
    for (const headers of attempts) {
      const response = await post(id, body, headers);
      expect(response.status).toBe(401);
      expect((await errorOf(response)).code).toBe("UNAUTHORIZED");
    }
    expect(await stub.queuedCount()).toBe(0);
  });

  it("404 for a job deleted after it was made", async () => {
    const { id, stub } = await newJob();
    expect((await post(id, JSON.stringify(lyticsItem("a@x.io")))).status).toBe(202);
    await stub.destroy();
    const response = await post(id, JSON.stringify(lyticsItem("b@x.io")));
    expect(response.status).toBe(404);
    expect(await stub.queuedCount()).toBe(0);
  });

  it("401 comes before any look at the body", async () => {
    const { id } = await newJob();
    const response = await post(id, "{not json", { Authorization: "Bearer nope" });
    expect(response.status).toBe(401);
  });

  it("404 JOB_NOT_FOUND for a job that does not exist or an id that cannot be one", async () => {
    for (const jobId of ["job_doesnotexist", "not-a-job", "job_%F0%9F%98%80"]) {
      const response = await post(jobId, JSON.stringify(lyticsItem("a@x.io")));
      expect(response.status).toBe(404);
      expect((await errorOf(response)).code).toBe("JOB_NOT_FOUND");
    }
  });

  it("413 over 10 MB, by Content-Length and by the bytes actually sent", async () => {
    const { id } = await newJob();
    const declared = await post(id, "{}", { "Content-Length": String(10 * 1024 * 1024 + 1) });
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).code).toBe("PAYLOAD_TOO_LARGE");
    const chunk = new TextEncoder().encode(" ".repeat(1024 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 11) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await post(id, stream);
    expect(streamed.status).toBe(413);
  });

  it("415 for a body that is not JSON", async () => {
    const { id } = await newJob();
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      const response = await post(id, "email=a@x.io", { "Content-Type": type });
      expect(response.status).toBe(415);
      expect((await errorOf(response)).code).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
  });

  it("503 with Retry-After while paused, then 202 once resumed", async () => {
    const { id, stub } = await newJob();
    await stub.setPaused(true);
    const paused = await post(id, JSON.stringify(lyticsItem("a@x.io")));
    expect(paused.status).toBe(503);
    expect(Number(paused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await stub.queuedCount()).toBe(0);
    await stub.setPaused(false);
    expect((await post(id, JSON.stringify(lyticsItem("a@x.io")))).status).toBe(202);
  });

  it("429 with Retry-After while the queue is at MAX_QUEUED_USERS", async () => {
    const { id, stub } = await newJob();
    const limited = { ...env, MAX_QUEUED_USERS: "2" };
    const call = (email: string) =>
      app.fetch(
        new Request(`http://gateway/v1/hooks/${id}`, {
          method: "POST",
          headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
          body: JSON.stringify(lyticsItem(email)),
        }),
        limited,
      );
    expect((await call("a@x.io")).status).toBe(202);
    expect((await call("b@x.io")).status).toBe(202);
    const full = await call("c@x.io");
    expect(full.status).toBe(429);
    expect(Number(full.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await errorOf(full)).code).toBe("QUEUE_FULL");
    expect(await stub.queuedCount()).toBe(2);
  });

  it("400 INVALID_PAYLOAD names the reason and the bad item, and nothing of the batch is taken", async () => {
    const { id, stub } = await newJob();
    const batch = [lyticsItem("a@x.io"), lyticsItem("b@x.io", { at: "2026-02-30T00:00:00Z" })];
    const response = await post(id, JSON.stringify(batch));
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("INVALID_PAYLOAD");
    expect(error.details).toMatchObject({ index: 1 });
    expect(String(error.details?.reason)).toMatch(/segment_events\[0\]\.enter/);
    expect(await stub.queuedCount()).toBe(0);
  });
});

// ---- malformed-payload corpus: no input may give a 5xx ----

const valid = lyticsItem("corpus@x.io");
const wrongValues: [string, unknown][] = [
  ["null", null],
  ["zero", 0],
  ["negative", -1],
  ["huge number", 1e308],
  ["true", true],
  ["empty string", ""],
  ["a word", "x"],
  ["empty array", []],
  ["empty object", {}],
  ["nested arrays", [[[]]]],
  ["bad date", "2020-13-01T00:00:00Z"],
];
const places: [string, (value: unknown) => unknown][] = [
  ["id", (value) => ({ ...valid, id: value })],
  ["data", (value) => ({ ...valid, data: value })],
  ["meta", (value) => ({ ...valid, meta: value })],
  ["meta.timestamp", (value) => ({ ...valid, meta: { timestamp: value } })],
  ["segment_events", (value) => ({ ...valid, data: { email: "c@x.io", segment_events: value } })],
  ["segment_events[0]", (value) => ({ ...valid, data: { email: "c@x.io", segment_events: [value] } })],
  ["event", (value) => ({ data: { email: "c@x.io", segment_events: [{ slug: "vip", event: value }] } })],
  ["slug", (value) => ({ data: { email: "c@x.io", segment_events: [{ slug: value, event: "enter" }] } })],
  [
    "enter",
    (value) => ({
      data: { email: "c@x.io", segment_events: [{ slug: "vip", event: "enter", enter: value }] },
    }),
  ],
  ["_segments", (value) => ({ data: { email: "c@x.io", _segments: value } })],
  ["email", (value) => ({ ...valid, data: { ...(valid.data as object), email: value } })],
  [
    "specversion",
    (value) => ({ specversion: value, type: "com.lytics.audience.user.event", data: { email: "c@x.io" } }),
  ],
  ["type", (value) => ({ specversion: "1.0", type: value, data: { email: "c@x.io", _segments: ["vip"] } })],
  [
    "time",
    (value) => ({ specversion: "1.0", type: "t", time: value, data: { email: "c@x.io", _segments: [] } }),
  ],
];

const validText = JSON.stringify([valid, lyticsItem("second@x.io")]);
const deep = (depth: number, open: string, close: string, inner = "1") =>
  open.repeat(depth) + inner + close.repeat(depth);
const corpus: [string, string][] = [
  ...places.flatMap(([place, build]) =>
    wrongValues.map(([name, value]): [string, string] => [
      `${place} = ${name}`,
      JSON.stringify(build(value)),
    ]),
  ),
  ...Array.from({ length: 30 }, (_, index): [string, string] => {
    const cut = Math.floor(((index + 1) * validText.length) / 31);
    return [`truncated at ${cut}`, validText.slice(0, cut)];
  }),
  ...[
    "",
    " ",
    "null",
    "true",
    "1",
    '"string"',
    "NaN",
    "undefined",
    "{'data':{}}",
    '{"data":{},}',
    "[,]",
    "[]",
    "[null]",
    "[[]]",
    "[1,2,3]",
    "{}",
    '{"data":null}',
    "1e999",
    "123456789012345678901234567890",
    "-0",
    '{"data":{"email":1e999,"segment_events":[{"slug":"vip","event":"enter","enter":"2026-01-01T00:00:00Z"}]}}',
    '{"id":123456789012345678901234567890,"data":{"_segments":["vip"],"email":"n@x.io"}}',
    "\uFEFF{}",
    "\u0000",
    '{"data":{"email":"\\ud800@x.io","_segments":["vip"]}}',
    '{"data":{"email":"😀@例え.jp","_segments":["vip"]}}',
    '{"data":{"email":"\\u0000a@x.io","_segments":["vip"]}}',
    '{"data":{"email":"a@x.io","_segments":["vip"],"first_name":"\\u202Eevil"}}',
    `{"data":{"email":"a@x.io","_segments":["vip"],"blob":${deep(5000, "[", "]")}}}`,
    `{"data":{"email":${deep(3000, "[", "]", '"a@x.io"')},"_segments":["vip"]}}`,
    deep(20_000, "[", "]"),
    deep(20_000, '{"a":', "}"),
    `[${Array(1001).fill(JSON.stringify(valid)).join(",")}]`,
    `[${Array(1000).fill("null").join(",")}]`,
    JSON.stringify({ data: { email: "x".repeat(100_000), _segments: ["vip"] } }),
    JSON.stringify({
      data: { email: "a@x.io", segment_events: Array(5000).fill({ slug: "other", event: "enter" }) },
    }),
    JSON.stringify({
      data: {
        email: "a@x.io",
        segment_events: [{ slug: "vip", event: "enter", enter: "2026-01-01T00:00:00.1234567891Z" }],
      },
    }),
    JSON.stringify({
      data: {
        email: "a@x.io",
        segment_events: [{ slug: "vip", event: "exit", exit: "9999-12-31T23:59:59-23:59" }],
      },
    }),
    JSON.stringify({
      data: {
        email: "a@x.io",
        segment_events: [{ slug: "vip", event: "enter", enter: "0001-01-01T00:00:00+23:59" }],
      },
    }),
    JSON.stringify({ data: { email: ["", null, {}, "arr@x.io"], _segments: ["vip"] } }),
    JSON.stringify({ data: { __proto__: { email: "p@x.io" }, _segments: ["vip"] } }),
    '{"__proto__":{"data":{"email":"p@x.io"}},"data":{"constructor":{"prototype":1},"_segments":["vip"]}}',
    JSON.stringify({ id: "p".repeat(3_000_000), data: { email: "big-id@x.io", _segments: ["vip"] } }),
    JSON.stringify({
      id: "q".repeat(3_000_000),
      data: { segment_events: [{ slug: "vip", event: "enter", note: "n".repeat(3_000_000) }] },
    }),
  ].map((body, index): [string, string] => [`literal ${index}: ${body.slice(0, 40)}`, body]),
];

describe("malformed-payload corpus", () => {
  it("has at least 200 cases", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
  });

  it("never answers 5xx, and every 202 is counted exactly", async () => {
    const { id, stub } = await newJob();
    let counted = 0;
    const unexpected: string[] = [];
    for (const [name, body] of corpus) {
      const response = await post(id, body);
      if (response.status === 202) {
        const counts = (await response.json()) as { accepted: number; duplicates: number; ignored: number };
        counted += counts.accepted + counts.duplicates + counts.ignored;
      } else if (response.status === 400) {
        expect((await errorOf(response)).code, name).toBe("INVALID_PAYLOAD");
      } else {
        unexpected.push(`${name} → ${response.status} ${await response.text()}`);
      }
    }
    expect(unexpected).toEqual([]);
    expect((await stub.status())?.totals.received).toBe(counted);
  });
});

function runInQueue(stub: DurableObjectStub<JobQueue>): Promise<{ event: string }[]> {
  return runInDurableObject(stub, (_instance, state) =>
    state.storage.sql
      .exec<{ user: string }>("SELECT user FROM queued_users")
      .toArray()
      .map((row) => JSON.parse(row.user) as { event: string }),
  );
}
