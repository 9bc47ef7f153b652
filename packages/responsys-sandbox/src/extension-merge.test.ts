import { hashEmail } from "@responsys-bridge/core";
import { beforeEach, describe, expect, it } from "vitest";
import { createSandbox, type Sandbox } from "./index.ts";
import { listMerge, mergedRecords, T0, TestCaller } from "./test-caller.ts";

const EXTENSIONS = "/v1.3/lists/CONTACTS_LIST/listExtensions";
const PET_MEMBERS = `${EXTENSIONS}/Lytics_Segments/members`;

let sandbox: Sandbox;
let caller: TestCaller;

beforeEach(async () => {
  sandbox = createSandbox({ now: () => T0 });
  caller = TestCaller.inProcess(sandbox);
  await caller.login();
});

async function createPet(fields = [{ fieldName: "VIP", fieldType: "STR500" }]) {
  return caller.call("POST", EXTENSIONS, {
    profileExtension: { objectName: "Lytics_Segments", folderName: "Lists" },
    fields,
  });
}

function petMerge(fieldNames: string[], records: string[][], rule: Record<string, unknown> = {}) {
  return {
    recordData: { fieldNames, records, mapTemplateName: null },
    insertOnNoMatch: true,
    updateOnMatch: "REPLACE_ALL",
    matchColumnName1: "EMAIL_ADDRESS",
    matchColumnName2: null,
    ...rule,
  };
}

describe("PETs: create and list", () => {
  it("creates a PET and lists it as a bare array of {profileExtension, fields}", async () => {
    const created = await createPet([
      { fieldName: "VIP", fieldType: "STR500" },
      { fieldName: "NOTES", fieldType: "STR4000" },
      { fieldName: "VISITS", fieldType: "INTEGER" },
      { fieldName: "LTV", fieldType: "NUMBER" },
      { fieldName: "LAST_SEEN", fieldType: "TIMESTAMP" },
    ]);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      profileExtension: { objectName: "Lytics_Segments", folderName: "Lists" },
    });
    const listed = await caller.call("GET", EXTENSIONS);
    expect(listed).toEqual({
      status: 200,
      body: [
        {
          profileExtension: { objectName: "Lytics_Segments", folderName: "Lists" },
          fields: [
            { fieldName: "RIID_", fieldType: "INTEGER" },
            { fieldName: "CREATED_DATE_", fieldType: "TIMESTAMP" },
            { fieldName: "MODIFIED_DATE_", fieldType: "TIMESTAMP" },
            { fieldName: "VIP", fieldType: "STR500" },
            { fieldName: "NOTES", fieldType: "STR4000" },
            { fieldName: "VISITS", fieldType: "INTEGER" },
            { fieldName: "LTV", fieldType: "NUMBER" },
            { fieldName: "LAST_SEEN", fieldType: "TIMESTAMP" },
          ],
        },
      ],
    });
  });

  it.each([
    ["a type PETs cannot have", [{ fieldName: "FLAG", fieldType: "CHAR" }], /FLAG has type CHAR/],
    ["a field name ending with _", [{ fieldName: "FLAG_", fieldType: "STR500" }], /ends with _/],
    ["a reserved single letter", [{ fieldName: "E", fieldType: "STR500" }], /reserved single letter/],
    ["a name over 30 characters", [{ fieldName: "A".repeat(31), fieldType: "STR500" }], /longer than 30/],
  ])("refuses %s with 400 INVALID_PARAMETER", async (_, fields, detail) => {
    const result = await createPet(fields);
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({
      errorCode: "INVALID_PARAMETER",
      detail: expect.stringMatching(detail),
    });
    expect((await caller.call("GET", EXTENSIONS)).body).toEqual([]);
  });

  it("refuses to create a PET that exists", async () => {
    await createPet();
    const again = await createPet();
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ errorCode: "PROFILE_EXTENSION_ALREADY_EXISTS" });
  });
});

describe("POST /lists/{list}/listExtensions/{pet}/members", () => {
  beforeEach(async () => {
    await createPet();
    await caller.call(
      "POST",
      "/v1.3/lists/CONTACTS_LIST/members",
      listMerge(["EMAIL_ADDRESS_"], [["ann@example.com"]]),
    );
  });

  it("writes a row for a list member, keyed by its RIID, and echoes the rule at the root", async () => {
    const result = await caller.call(
      "POST",
      PET_MEMBERS,
      petMerge(["EMAIL_ADDRESS_", "VIP"], [["ann@example.com", "1"]]),
    );
    expect(result).toEqual({
      status: 200,
      body: {
        recordData: { fieldNames: ["RIID_"], records: [["470515001"]], mapTemplateName: null },
        insertOnNoMatch: true,
        updateOnMatch: "REPLACE_ALL",
        matchColumnName1: "EMAIL_ADDRESS",
        matchColumnName2: null,
        links: [
          {
            rel: "self",
            href: "/rest/api/v1.3/lists/CONTACTS_LIST/listExtensions/Lytics_Segments/members",
            method: "POST",
          },
        ],
      },
    });
    await caller.call("POST", PET_MEMBERS, petMerge(["EMAIL_ADDRESS_", "VIP"], [["ann@example.com", "0"]]));
    expect(sandbox.state.extensionMembers("CONTACTS_LIST", "Lytics_Segments")).toEqual([
      {
        RIID_: "470515001",
        VIP: "0",
        CREATED_DATE_: new Date(T0).toISOString(),
        MODIFIED_DATE_: new Date(T0).toISOString(),
      },
    ]);
  });

  it("updates an existing row by hashed email with insertOnNoMatch false, and inserts none", async () => {
    await caller.call("POST", PET_MEMBERS, petMerge(["EMAIL_ADDRESS_", "VIP"], [["ann@example.com", "1"]]));
    const result = await caller.call(
      "POST",
      PET_MEMBERS,
      petMerge(
        ["EMAIL_SHA256_HASH_", "VIP"],
        [
          [hashEmail("ann@example.com", "sha256"), "0"],
          [hashEmail("stranger@example.com", "sha256"), "1"],
        ],
        { matchColumnName1: "EMAIL_SHA256_HASH", insertOnNoMatch: false },
      ),
    );
    const [ann, stranger] = mergedRecords(result.body);
    expect(ann).toBe("470515001");
    expect(stranger).toMatch(/^MERGEFAILED: Record 1 = RECORD_NOT_FOUND/);
    expect(sandbox.state.extensionMembers("CONTACTS_LIST", "Lytics_Segments")).toEqual([
      expect.objectContaining({ RIID_: "470515001", VIP: "0" }),
    ]);
  });

  it("accepts Swagger's `matchColumn` for the first match column", async () => {
    const body = petMerge(["EMAIL_ADDRESS_", "VIP"], [["ann@example.com", "1"]], {
      matchColumnName1: undefined,
      matchColumn: "EMAIL_ADDRESS",
    });
    expect(mergedRecords((await caller.call("POST", PET_MEMBERS, body)).body)).toEqual(["470515001"]);
  });

  it("fails only the row whose profile list record does not exist", async () => {
    const result = await caller.call(
      "POST",
      PET_MEMBERS,
      petMerge(
        ["EMAIL_ADDRESS_", "VIP"],
        [
          ["stranger@example.com", "1"],
          ["ann@example.com", "1"],
        ],
      ),
    );
    const [stranger, ann] = mergedRecords(result.body);
    expect(stranger).toMatch(/^MERGEFAILED: Record 0 = RECORD_NOT_FOUND: .*needs its profile list record/);
    expect(ann).toBe("470515001");
    expect(sandbox.state.extensionMembers("CONTACTS_LIST", "Lytics_Segments")).toHaveLength(1);
  });

  it("fails the rows when fieldNames lack the list merge key of the match column", async () => {
    const result = await caller.call(
      "POST",
      PET_MEMBERS,
      petMerge(["CUSTOMER_ID_", "VIP"], [["42", "1"]], { matchColumnName1: "EMAIL_ADDRESS" }),
    );
    expect(mergedRecords(result.body)[0]).toMatch(
      /^MERGEFAILED: Record 0 = INVALID_PARAMETER: .*EMAIL_ADDRESS_/,
    );
  });

  it.each([
    [
      "a match column with the trailing underscore",
      { matchColumnName1: "EMAIL_ADDRESS_" },
      /Match Column is null/,
    ],
    ["RIID_ as match column", { matchColumnName1: "RIID_" }, /Match Column is null/],
    ["no match column", { matchColumnName1: null }, /Match Column is null/],
    [
      "a hash match with insertOnNoMatch true",
      { matchColumnName1: "EMAIL_MD5_HASH" },
      /cannot be inserted when matching on EMAIL_MD5_HASH_/,
    ],
    [
      "two hash match columns",
      { matchColumnName1: "EMAIL_MD5_HASH", matchColumnName2: "EMAIL_SHA256_HASH", insertOnNoMatch: false },
      /Two hash match columns/,
    ],
  ])("refuses %s with 400 INVALID_PARAMETER", async (_, rule, detail) => {
    const result = await caller.call(
      "POST",
      PET_MEMBERS,
      petMerge(["EMAIL_ADDRESS_", "VIP"], [["ann@example.com", "1"]], rule),
    );
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({
      errorCode: "INVALID_PARAMETER",
      detail: expect.stringMatching(detail),
    });
    expect(sandbox.state.extensionMembers("CONTACTS_LIST", "Lytics_Segments")).toEqual([]);
  });

  it("rejects an unknown column (whole request) and more than 200 records", async () => {
    const unknown = await caller.call(
      "POST",
      PET_MEMBERS,
      petMerge(["EMAIL_ADDRESS_", "NOPE"], [["ann@example.com", "1"]]),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ detail: "Invalid field name(s) for Lytics_Segments: NOPE" });
    const rows = Array.from({ length: 201 }, () => ["ann@example.com", "1"]);
    const tooMany = await caller.call("POST", PET_MEMBERS, petMerge(["EMAIL_ADDRESS_", "VIP"], rows));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({
      errorCode: "INVALID_PARAMETER",
      detail: expect.stringMatching(/at most 200/),
    });
    expect(sandbox.state.extensionMembers("CONTACTS_LIST", "Lytics_Segments")).toEqual([]);
  });

  it("answers 404 PROFILE_EXTENSION_NOT_FOUND for a PET that does not exist", async () => {
    const result = await caller.call(
      "POST",
      `${EXTENSIONS}/NoSuchPet/members`,
      petMerge(["EMAIL_ADDRESS_", "VIP"], [["ann@example.com", "1"]]),
    );
    expect(result).toEqual({
      status: 404,
      body: {
        type: "",
        title: "Profile extension not found",
        errorCode: "PROFILE_EXTENSION_NOT_FOUND",
        detail: "Profile Extension NoSuchPet not found",
        errorDetails: [],
      },
    });
  });
});
