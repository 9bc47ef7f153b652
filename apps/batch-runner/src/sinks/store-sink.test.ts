import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultResponsysMapping } from "@responsys-bridge/mapping";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PartFiles, type PartRecord } from "../connect-files/partition.ts";
import type { Database } from "../store/database.ts";
import { EventColumns } from "../store/event-columns.ts";
import { FileStates } from "../store/file-state.ts";
import { findProfile } from "../store/profiles.ts";
import { openTestDatabase } from "../store/test-database.ts";
import { createProfileMapper } from "./profile-mapper.ts";
import { createStoreSink } from "./store-sink.ts";

const T0 = new Date("2026-03-01T10:00:00.000Z");
// Line 2's event as its row (and its part record) holds it: values by the file's columns.
const FIRST_ROW_VALUES = ["OPEN", "email", "1234", "1", "user1@example.com", "2026-03-01T09:00:00.000Z"];
const open = (riid: string, ts: string) => ({
  event: "OPEN",
  channel: "email",
  account_id: "1234",
  riid,
  email: `user${riid}@example.com`,
  _ts: ts,
});

function withoutEmail(event: ReturnType<typeof open>): Record<string, string> {
  const { email: _email, ...rest } = event;
  return rest;
}

describe("store sink", () => {
  let database: Database;
  let cleanup: () => Promise<void>;
  let partsRoot: string;
  beforeEach(async () => {
    ({ database, cleanup } = await openTestDatabase());
    partsRoot = await mkdtemp(join(tmpdir(), "store-sink-"));
  }, 60_000);
  afterEach(async () => {
    await database.close().catch(() => {});
    await cleanup();
    await rm(partsRoot, { recursive: true, force: true });
  });

  it.each([
    ["inline", "by user", 0, true],
    ["in a worker thread", "by user", 1, true],
    ["inline", "a row each", 0, false],
    ["in a worker thread", "a row each", 1, false],
  ] as const)(
    "writes a chunk's rows by line, each part's profiles once (folded %s), events %s, and turns an event the fold cannot read into a bad row",
    async (_how, _layout, foldWorkers, eventsByUser) => {
      const files = new FileStates(database, "job");
      const outcome = await files.acquire(
        { path: "/d/1234_OPEN_20260301_100000.txt", name: "f", size: 1, mtimeMs: 1, accountId: "1234" },
        "runner",
        T0,
        60_000,
      );
      if (!outcome.acquired) throw new Error("lease");
      const { lease } = outcome;
      const mapper = createProfileMapper(defaultResponsysMapping);
      const sink = createStoreSink({
        database,
        files,
        mapper,
        now: () => T0,
        leaseTtlMs: 60_000,
        foldWorkers,
        eventsByUser,
      });

      const chunk = {
        events: [
          { line: 2, event: open("1", "2026-03-01T09:00:00.000Z") },
          { line: 3, event: open("1", "not a date") },
          // No email (an empty cell): its row holds null there, and event_data leaves the key out.
          { line: 4, event: withoutEmail(open("2", "2026-03-01T09:05:00.000Z")) },
          { line: 5, event: open("1", "2026-03-01T09:10:00.000Z") },
        ],
        rejected: [{ line: 6, reason: "expected 6 columns, found 2" }],
        lastLine: 6,
      };
      // Line 8 has no identity (neither riid nor email): no user, no part, a row of `events`.
      const { riid: _riid, ...anonymous } = withoutEmail(open("4", "2026-03-01T09:25:00.000Z"));
      const next = {
        events: [
          { line: 7, event: open("3", "2026-03-01T09:20:00.000Z") },
          { line: 8, event: anonymous },
        ],
        rejected: [],
        lastLine: 8,
      };
      const file = {
        fileId: lease.fileId,
        writtenUpTo: 0,
        parts: { done: 0, of: 1 },
        columns: new EventColumns(),
      };
      const records: PartRecord[] = [];
      const batch = sink.startRows(file);
      batch.add(chunk, (record) => records.push(record));
      batch.add(next, (record) => records.push(record));
      expect(batch.rows).toBe(7);
      // Line 3's unreadable time does not stop its identity (that needs no time): the event goes to
      // its user's part, and the fold of that part turns it into a bad row.
      expect(records.map((record) => [record.line, record.key])).toEqual([
        [2, "rs_user_id:1"],
        [3, "rs_user_id:1"],
        [4, "rs_user_id:2"],
        [5, "rs_user_id:1"],
        [7, "rs_user_id:3"],
      ]);
      // A part keeps the event as the database does: its values by the file's columns.
      expect(JSON.parse(records[0]?.json ?? "")).toEqual(FIRST_ROW_VALUES);
      expect(await batch.finish()?.(lease)).toEqual({ events: 6, rejected: 1 });
      const columns = ["event", "channel", "account_id", "riid", "email", "_ts"];
      expect(lease).toMatchObject({ checkpointLine: 8, parts: 1, partsDone: 0, columns });
      // By user, only the event without a user is written by line; the others wait for their parts.
      expect(await database.query("SELECT line FROM events ORDER BY line")).toEqual(
        (eventsByUser ? [8] : [2, 3, 4, 5, 7, 8]).map((line) => ({ line })),
      );
      expect(await database.query("SELECT * FROM user_events")).toEqual([]);
      // Resumed past these rows: their records again (for the parts), nothing to write.
      const again: PartRecord[] = [];
      const resumed = sink.startRows({
        ...file,
        writtenUpTo: 8,
        columns: new EventColumns(lease.columns ?? []),
      });
      resumed.add(chunk, (record) => again.push(record));
      resumed.add(next, (record) => again.push(record));
      expect(resumed.finish()).toBeUndefined();
      expect(again).toEqual(records);

      // User 3's event as the fold cannot read it (as if the mapping disagreed with the identity).
      const parts = new PartFiles(join(partsRoot, "parts"), 1, 0);
      for (const { line, key, json } of records) {
        parts.add({ line, key, json: json.replace("2026-03-01T09:20:00.000Z", "not a date") });
      }
      parts.finish();
      try {
        expect(
          await (
            await sink.preparePart({
              index: 0,
              of: 1,
              path: parts.pathOf(0),
              columns,
              fileId: lease.fileId,
              eventsAfter: 0,
            })
          )(lease),
        ).toEqual({
          events: -2,
          rejected: 2,
        });
      } finally {
        await sink.release();
      }
      expect(lease).toMatchObject({ checkpointLine: 8, parts: 1, partsDone: 1 });

      const one = await findProfile(database, mapper.identityFields, "1");
      expect(one?.profile).toMatchObject({
        email_open_ct: 2,
        email_first_open_ts: "2026-03-01T09:00:00.000Z",
        email_last_open_ts: "2026-03-01T09:10:00.000Z",
      });
      expect((await findProfile(database, mapper.identityFields, "2"))?.profile).toMatchObject({
        email_open_ct: 1,
      });
      expect(await findProfile(database, mapper.identityFields, "3")).toBeUndefined();
      // By user: a row per user, its events in line order, each its line and its values by the
      // file's columns; the events the fold could not read are left out, and user 3 had no other.
      // A row each: those events' rows are removed.
      const byUser = await database.query<{ profile_key: string; data: string }>(
        "SELECT profile_key, data FROM user_events ORDER BY profile_key",
      );
      expect(byUser.map((row) => [row.profile_key, JSON.parse(row.data)])).toEqual(
        eventsByUser
          ? [
              [
                "rs_user_id:1",
                [
                  [2, ...FIRST_ROW_VALUES],
                  [5, "OPEN", "email", "1234", "1", "user1@example.com", "2026-03-01T09:10:00.000Z"],
                ],
              ],
              ["rs_user_id:2", [[4, "OPEN", "email", "1234", "2", null, "2026-03-01T09:05:00.000Z"]]],
            ]
          : [],
      );
      const rowEach = await database.query<{ line: number; data: string }>(
        "SELECT line, data FROM events ORDER BY line",
      );
      expect(rowEach.map((row) => row.line)).toEqual(eventsByUser ? [8] : [2, 4, 5, 8]);
      if (!eventsByUser) expect(JSON.parse(rowEach[0]?.data ?? "")).toEqual(FIRST_ROW_VALUES);
      // event_data gives every event back as an object, a row each, from both tables.
      const events = await database.query<{
        line: number;
        profile_key: string | null;
        event: string;
        ts: Date;
        data: unknown;
      }>("SELECT line, profile_key, event, ts, data FROM event_data ORDER BY line");
      expect(events.map((row) => [row.line, row.profile_key, row.event])).toEqual([
        [2, "rs_user_id:1", "OPEN"],
        [4, "rs_user_id:2", "OPEN"],
        [5, "rs_user_id:1", "OPEN"],
        [8, null, "OPEN"],
      ]);
      expect(events[0]?.data).toEqual(open("1", "2026-03-01T09:00:00.000Z"));
      expect(new Date(events[0]?.ts ?? 0).toISOString()).toBe("2026-03-01T09:00:00.000Z");
      expect(events[1]?.data).toEqual(withoutEmail(open("2", "2026-03-01T09:05:00.000Z")));
      expect(events[3]?.data).toEqual(anonymous);
      expect(new Date(events[3]?.ts ?? 0).toISOString()).toBe("2026-03-01T09:25:00.000Z");
      const rejected = await database.query<{ line: number; reason: string }>(
        "SELECT line, reason FROM rejected_rows ORDER BY line",
      );
      expect(rejected).toEqual([
        { line: 3, reason: expect.stringMatching(/^mapping: event _ts "not a date" is not a date/) },
        { line: 6, reason: "expected 6 columns, found 2" },
        { line: 7, reason: expect.stringMatching(/^mapping: event _ts "not a date" is not a date/) },
      ]);
      expect((await files.list())[0]).toMatchObject({ rows: 7, events: 4, rejected: 3 });
    },
  );
});
