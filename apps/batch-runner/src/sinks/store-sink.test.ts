import { defaultResponsysMapping } from "@responsys-bridge/mapping";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Database, eventCopyRow } from "../store/database.ts";
import { FileStates } from "../store/file-state.ts";
import { findProfile } from "../store/profiles.ts";
import { openTestDatabase } from "../store/test-database.ts";
import { createProfileMapper } from "./profile-mapper.ts";
import { createStoreSink } from "./store-sink.ts";

const T0 = new Date("2026-03-01T10:00:00.000Z");
const open = (riid: string, ts: string) => ({
  event: "OPEN",
  channel: "email",
  account_id: "1234",
  riid,
  email: `user${riid}@example.com`,
  _ts: ts,
});

describe("store sink", () => {
  let database: Database;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ database, cleanup } = await openTestDatabase());
  }, 60_000);
  afterEach(async () => {
    await database.close().catch(() => {});
    await cleanup();
  });

  it("folds each user's events of a part, and rejects only the event the mapping cannot read", async () => {
    const files = new FileStates(database, "job");
    const outcome = await files.acquire(
      { path: "/d/1234_OPEN_20260301_100000.txt", name: "f", size: 1, mtimeMs: 1, accountId: "1234" },
      "runner",
      T0,
      60_000,
    );
    if (!outcome.acquired) throw new Error("lease");
    const mapper = createProfileMapper(defaultResponsysMapping);
    const sink = createStoreSink({ database, files, mapper, now: () => T0, leaseTtlMs: 60_000 });

    const input = [
      { line: 2, event: open("1", "2026-03-01T09:00:00.000Z") },
      { line: 3, event: open("1", "not a date") },
      { line: 4, event: open("2", "2026-03-01T09:05:00.000Z") },
      { line: 5, event: open("1", "2026-03-01T09:10:00.000Z") },
    ];
    let records = "";
    for (const { line, event } of input) {
      const made = sink.record(outcome.lease.fileId, line, event);
      if ("rejected" in made) {
        // The identity already reads the event time: the row is rejected before it reaches a part.
        expect(made.rejected).toMatch(/^mapping: event _ts "not a date" is not a date/);
        // Keep it in the part anyway, so the fold meets it too: it must reject it alone.
        records += eventCopyRow(outcome.lease.fileId, {
          line,
          profileKey: "rs_user_id:1",
          event: "OPEN",
          ts: null,
          data: JSON.stringify(event),
        });
        continue;
      }
      expect(made.key).toBe(`rs_user_id:${event.riid}`);
      records += made.record;
    }
    const written = await sink.preparePart({
      index: 0,
      of: 1,
      records,
      rejected: [{ line: 6, reason: "expected 6 columns, found 2" }],
      lastLine: 0,
    })(outcome.lease);

    expect(written).toEqual({ events: 3, rejected: 2 });
    const one = await findProfile(database, mapper.identityFields, "1");
    expect(one?.profile).toMatchObject({
      email_open_ct: 2,
      email_first_open_ts: "2026-03-01T09:00:00.000Z",
      email_last_open_ts: "2026-03-01T09:10:00.000Z",
    });
    expect((await findProfile(database, mapper.identityFields, "2"))?.profile).toMatchObject({
      email_open_ct: 1,
    });
    const events = await database.query<{ line: number }>("SELECT line FROM events ORDER BY line");
    expect(events.map((row) => row.line)).toEqual([2, 4, 5]);
    const rejected = await database.query<{ line: number; reason: string }>(
      "SELECT line, reason FROM rejected_rows ORDER BY line",
    );
    expect(rejected).toEqual([
      { line: 3, reason: expect.stringMatching(/^mapping: event _ts "not a date" is not a date/) },
      { line: 6, reason: "expected 6 columns, found 2" },
    ]);
    expect(outcome.lease).toMatchObject({ checkpointLine: 0, parts: 1, partsDone: 1 });
  });
});
