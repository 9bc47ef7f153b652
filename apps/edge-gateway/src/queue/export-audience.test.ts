import { hashEmail } from "@responsys-bridge/core";
import { describe, expect, it } from "vitest";
import {
  fieldsExtension,
  fieldsTableName,
  listMergeRequest,
  listUsers,
  SEGMENTS_TABLE,
  segmentsExtension,
} from "./export-audience.ts";
import { projectUser, type QueuedUser } from "./queued-user.ts";
import { exportJob, webhookUser } from "./test-kit.ts";

const RECEIVED = "2026-02-02T00:00:00.000000000Z";

function queued(
  job: ReturnType<typeof exportJob>,
  data: Record<string, unknown>,
  event: "enter" | "exit" = "enter",
) {
  const projection = projectUser(job, webhookUser(data, { event }), RECEIVED);
  if (projection.kind !== "queued") throw new Error("fixture user was not queued");
  return projection.user;
}

describe("listMergeRequest", () => {
  it("sends the mapped identifier columns with the job's rule", () => {
    const job = exportJob({ defaultPermissionStatus: "OPTIN" });
    const users = [queued(job, { email: "a@x.io", user_id: "1" }), queued(job, { email: "b@x.io" })];
    expect(listMergeRequest(job, users)).toEqual({
      fieldNames: ["EMAIL_ADDRESS_", "CUSTOMER_ID_"],
      records: [
        ["a@x.io", "1"],
        ["b@x.io", ""],
      ],
      mergeRule: {
        insertOnNoMatch: true,
        updateOnMatch: "REPLACE_ALL",
        matchColumnName1: "EMAIL_ADDRESS_",
        matchColumnName2: null,
        matchOperator: "NONE",
        defaultPermissionStatus: "OPTIN",
      },
    });
  });

  it("never inserts when matching on a hash column", () => {
    const job = exportJob({
      idMappings: [
        { lyticsField: "email", responsysField: "EMAIL_MD5_HASH_" },
        { lyticsField: "user_id", responsysField: "CUSTOMER_ID_" },
      ],
      matchColumn1: "CUSTOMER_ID_",
      matchColumn2: "EMAIL_MD5_HASH_",
    });
    const request = listMergeRequest(job, [queued(job, { email: "a@x.io", user_id: "9" })]);
    expect(request.mergeRule.insertOnNoMatch).toBe(false);
    expect(request.mergeRule.matchColumnName2).toBe("EMAIL_MD5_HASH_");
    expect(request.fieldNames).toEqual(["EMAIL_MD5_HASH_", "CUSTOMER_ID_"]);
    expect(request.records).toEqual([[hashEmail("a@x.io", "md5"), "9"]]);
  });
});

describe("PET writes", () => {
  const job = exportJob({
    additionalFields: ["first name", "ltv"],
    audienceMemberships: ["vip", "churn-risk"],
  });
  const enter = queued(job, { email: "a@x.io", "first name": "Ann", ltv: 3, _segments: ["churn-risk"] });
  const exit = queued(job, { email: "b@x.io" }, "exit");

  it("leaves exits out of the list and the fields table", () => {
    expect(listUsers([enter, exit])).toEqual([enter]);
    const fields = fieldsExtension(job, [enter, exit]);
    expect(fields?.table).toEqual({ folderName: "Lists", objectName: fieldsTableName(job.id) });
    expect(fields?.columns).toEqual([
      { fieldName: "first_name", fieldType: "STR500" },
      { fieldName: "ltv", fieldType: "STR500" },
    ]);
    expect(fields?.writes.map((write) => write.request)).toEqual([
      {
        fieldNames: ["EMAIL_ADDRESS_", "first_name", "ltv"],
        records: [["a@x.io", "Ann", "3"]],
        insertOnNoMatch: true,
        updateOnMatch: "REPLACE_ALL",
        matchColumnName1: "EMAIL_ADDRESS",
        matchColumnName2: null,
      },
    ]);
  });

  it("writes memberships, with 0 for the job's audience on exit", () => {
    const segments = segmentsExtension(job, [enter, exit]);
    expect(segments?.table.objectName).toBe(SEGMENTS_TABLE);
    expect(segments?.writes[0]?.request.fieldNames).toEqual(["EMAIL_ADDRESS_", "vip", "churn_risk"]);
    expect(segments?.writes[0]?.request.records).toEqual([
      ["a@x.io", "1", "1"],
      ["b@x.io", "0", "0"],
    ]);
  });

  it("skips exits in Lytics_Segments when the job's audience is not listed", () => {
    const other = exportJob({ audienceMemberships: ["churn-risk"] });
    const users: QueuedUser[] = [
      queued(other, { email: "a@x.io" }),
      queued(other, { email: "b@x.io" }, "exit"),
    ];
    expect(segmentsExtension(other, users)?.writes.map((write) => write.request.records)).toEqual([
      [["a@x.io", "0"]],
    ]);
  });

  it("writes hash-matched users by the RIID the list returned, and exits by the hash without inserts", () => {
    const hashed = exportJob({
      idMappings: [{ lyticsField: "email", responsysField: "EMAIL_MD5_HASH_" }],
      matchColumn1: "EMAIL_MD5_HASH_",
      audienceMemberships: ["vip"],
    });
    const entered = queued(hashed, { email: "a@x.io" });
    const left = queued(hashed, { email: "b@x.io" }, "exit");
    const writes = segmentsExtension(hashed, [entered, left], new Map([[entered.key, "4711"]]))?.writes ?? [];
    expect(writes.map((write) => write.request)).toEqual([
      {
        fieldNames: ["RIID_", "vip"],
        records: [["4711", "1"]],
        insertOnNoMatch: true,
        updateOnMatch: "REPLACE_ALL",
        matchColumnName1: "RIID",
        matchColumnName2: null,
      },
      {
        fieldNames: ["EMAIL_MD5_HASH_", "vip"],
        records: [[hashEmail("b@x.io", "md5"), "0"]],
        insertOnNoMatch: false,
        updateOnMatch: "REPLACE_ALL",
        matchColumnName1: "EMAIL_MD5_HASH",
        matchColumnName2: null,
      },
    ]);
  });

  it("uses a named fields table as it is and writes nothing without settings", () => {
    const named = fieldsExtension(exportJob({ additionalFields: ["ltv"], fieldsTable: "MY_PET" }), [enter]);
    expect(named).toMatchObject({ existing: true, table: { objectName: "MY_PET" } });
    expect(fieldsExtension(exportJob(), [enter])).toBeNull();
    expect(segmentsExtension(exportJob(), [enter])).toBeNull();
  });
});
