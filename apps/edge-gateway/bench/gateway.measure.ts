// Measurements for `npm run bench` (run by bench/gateway.bench.ts, inside workerd). Each prints
// one `BENCH {json}` line in the SPEC §8 shape; the runner collects them.
import { env, exports } from "cloudflare:workers";
import { expect, inject, it } from "vitest";
import { admin, createSandboxAuthorization, expectJson } from "../test/admin.ts";

const SANDBOX = inject("queueSandboxUrl");
const REQUESTS = 999;
const USERS_PER_REQUEST = 10; // Lytics' default webhook batch size
const CONCURRENCY = 5; // Lytics' default webhook worker count
const USERS = REQUESTS * USERS_PER_REQUEST;

function report(result: Record<string, unknown>): void {
  console.log(`BENCH ${JSON.stringify(result)}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Sends `count` requests, `CONCURRENCY` at a time; returns wall seconds and sorted latencies (ms). */
async function drive(count: number, send: (index: number) => Promise<Response>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let index = next++; index < count; index = next++) {
      const before = performance.now();
      const response = await send(index);
      latencies.push(performance.now() - before);
      if (response.status !== 202) throw new Error(`request ${index} answered ${response.status}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

function item(email: string): Record<string, unknown> {
  return {
    id: email,
    data: {
      email,
      first_name: "Bench",
      segment_events: [
        { id: "f".repeat(32), slug: "vip", event: "enter", enter: "2026-01-01T00:00:00.000000001Z" },
      ],
    },
    meta: { object: "user", timestamp: "2026-01-01T00:00:01Z" },
  };
}

it("measures gateway.ingest and gateway.flush_calls", async () => {
  await fetch(`${SANDBOX}/__sandbox/reset`, { method: "POST" });
  const authorizationId = await createSandboxAuthorization({ endpoint: SANDBOX });
  const job = await expectJson<{ id: string; webhookSecret: string }>(
    await admin("POST", "/v1/jobs", {
      type: "export_audience",
      label: "bench",
      authorizationId,
      audience: "vip",
      list: { folderName: "Lists", objectName: "CONTACTS_LIST" },
      idMappings: [{ lyticsField: "email", responsysField: "EMAIL_ADDRESS_" }],
      matchColumn1: "EMAIL_ADDRESS_",
    }),
    201,
  );
  const bodies = Array.from({ length: REQUESTS }, (_, request) =>
    JSON.stringify(
      Array.from({ length: USERS_PER_REQUEST }, (_, user) =>
        item(`u${request * USERS_PER_REQUEST + user}@bench.io`),
      ),
    ),
  );

  const gateway = await drive(REQUESTS, (index) =>
    exports.default.fetch(`http://gateway/v1/hooks/${job.id}`, {
      method: "POST",
      headers: { "X-Api-Key": job.webhookSecret, "Content-Type": "application/json" },
      body: bodies[index],
    }),
  );
  const baseline = await drive(REQUESTS, (index) =>
    exports.default.fetch("http://gateway/baseline", { method: "POST", body: bodies[index] }),
  );
  const users = (seconds: number) => Math.round(USERS / seconds);
  const ms = (value: number) => Number(value.toFixed(2));
  report({
    name: "gateway.ingest",
    unit: "users/s",
    value: users(gateway.seconds),
    baseline: users(baseline.seconds),
    ratio: Number((users(gateway.seconds) / users(baseline.seconds)).toFixed(3)),
    notes:
      `${REQUESTS} webhooks x ${USERS_PER_REQUEST} users, ${CONCURRENCY} at a time, into one job's Durable Object ` +
      `(flushes to the sandbox running meanwhile); p50 ${ms(percentile(gateway.latencies, 50))} ms, ` +
      `p99 ${ms(percentile(gateway.latencies, 99))} ms; baseline (trivial Worker, one DO row per request) ` +
      `p50 ${ms(percentile(baseline.latencies, 50))} ms, p99 ${ms(percentile(baseline.latencies, 99))} ms`,
  });

  // Whatever the alarms did not send yet (the last partial batch) goes now, as the interval would.
  const queue = env.JOB_QUEUE.get(env.JOB_QUEUE.idFromName(job.id));
  await queue.idle();
  await expectJson(await admin("POST", `/v1/jobs/${job.id}/flush`), 200);
  const status = await expectJson<{ queued: number; totals: { sent: number; apiCalls: number } }>(
    await admin("GET", `/v1/jobs/${job.id}/status`),
    200,
  );
  expect(status.queued).toBe(0);
  expect(status.totals.sent).toBe(USERS);
  const recorded = (await (
    await fetch(`${SANDBOX}/__sandbox/requests?api=Merge%20List%20Recipients`)
  ).json()) as {
    requests: unknown[];
  };
  const calls = recorded.requests.length;
  const optimum = Math.ceil(USERS / 200);
  report({
    name: "gateway.flush_calls",
    unit: "calls/user",
    value: Number((calls / USERS).toFixed(5)),
    baseline: Number((optimum / USERS).toFixed(5)),
    ratio: Number((calls / optimum).toFixed(3)),
    notes: `${USERS} users streamed as above, flushed by the job's alarm (200 users) and one final flush: ${calls} list merges, optimum ceil(N/200) = ${optimum}; ${status.totals.apiCalls} Responsys calls in all`,
  });
  await admin("DELETE", `/v1/jobs/${job.id}?discard=true`);
});
