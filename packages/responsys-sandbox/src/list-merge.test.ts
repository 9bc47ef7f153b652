import { hashEmail } from "@responsys-bridge/core";
import { beforeEach, describe, expect, it } from "vitest";
import { createSandbox, type Sandbox } from "./index.ts";
import { listMerge, mergedRecords, T0, TestCaller } from "./test-caller.ts";

const MEMBERS = "/v1.3/lists/CONTACTS_LIST/members";

let sandbox: Sandbox;
let caller: TestCaller;

beforeEach(async () => {
  sandbox = createSandbox({ now: () => T0 });
  caller = TestCaller.inProcess(sandbox);
  await caller.login();
});

describe("GET /lists and /lists/{list}/fields", () => {
  it("lists the profile lists as a bare array of {name, folderName, fields}", async () => {
    const { status, body } = await caller.call("GET", "/v1.3/lists");
    expect(status).toBe(200);
    expect(body).toEqual([{ name: "CONTACTS_LIST", folderName: "Lists", fields: expect.any(Array) }]);
  });

  it("gives a list's system fields with their types plus FIRST_NAME and LAST_NAME", async () => {
    const { status, body } = await caller.call("GET", "/v1.3/lists/CONTACTS_LIST/fields");
    expect(status).toBe(200);
    const { name, folderName, fields } = body as { name: string; folderName: string; fields: unknown[] };
    expect({ name, folderName }).toEqual({ name: "CONTACTS_LIST", folderName: "Lists" });
    expect(fields).toEqual(
      expect.arrayContaining([
        { fieldName: "RIID_", fieldType: "INTEGER" },
        { fieldName: "EMAIL_ADDRESS_", fieldType: "STR500" },
        { fieldName: "MOBILE_NUMBER_", fieldType: "STR50" },
        { fieldName: "CUSTOMER_ID_", fieldType: "STR255" },
        { fieldName: "EMAIL_MD5_HASH_", fieldType: "STR50" },
        { fieldName: "EMAIL_SHA256_HASH_", fieldType: "STR100" },
        { fieldName: "EMAIL_PERMISSION_STATUS_", fieldType: "CHAR" },
        { fieldName: "FIRST_NAME", fieldType: "STR500" },
        { fieldName: "LAST_NAME", fieldType: "STR500" },
      ]),
    );
  });

  it("answers 404 LIST_NOT_FOUND for a list that does not exist", async () => {
    for (const [method, path, body] of [
      ["GET", "/v1.3/lists/NOPE/fields", undefined],
      ["POST", "/v1.3/lists/NOPE/members", listMerge(["EMAIL_ADDRESS_"], [["a@example.com"]])],
      ["GET", "/v1.3/lists/NOPE/listExtensions", undefined],
    ] as const) {
      expect(await caller.call(method, path, body)).toEqual({
        status: 404,
        body: {
          type: "",
          title: "List not found",
          errorCode: "LIST_NOT_FOUND",
          detail: "List NOPE not found",
          errorDetails: [],
        },
      });
    }
  });
});

describe("POST /lists/{list}/members (merge)", () => {
  it("inserts, then updates the same record, echoing recordData with RIIDs, the mergeRule and links", async () => {
    const inserted = await caller.call(
      "POST",
      MEMBERS,
      listMerge(
        ["EMAIL_ADDRESS_", "FIRST_NAME"],
        [
          ["Ann@Example.com", "Ann"],
          ["bob@example.com", "Bob"],
        ],
      ),
    );
    expect(inserted.status).toBe(200);
    expect(inserted.body).toEqual({
      recordData: { fieldNames: ["RIID_"], records: [["470515001"], ["470515002"]], mapTemplateName: null },
      mergeRule: {
        insertOnNoMatch: true,
        updateOnMatch: "REPLACE_ALL",
        matchColumnName1: "EMAIL_ADDRESS_",
        matchColumnName2: null,
        matchOperator: "NONE",
        optinValue: null,
        optoutValue: null,
        htmlValue: null,
        textValue: null,
        rejectRecordIfChannelEmpty: null,
        defaultPermissionStatus: "OPTIN",
        matchColumnName3: null,
      },
      links: [
        { rel: "self", href: "/rest/api/v1.3/lists/CONTACTS_LIST/members", method: "POST" },
        {
          rel: "retrieveListRecipientsRIID",
          href: "/rest/api/v1.3/lists/CONTACTS_LIST/members/{riid}",
          method: "GET",
        },
      ],
    });
    const updated = await caller.call(
      "POST",
      MEMBERS,
      listMerge(["EMAIL_ADDRESS_", "LAST_NAME"], [["ann@example.com", "Smith"]]),
    );
    expect(mergedRecords(updated.body)).toEqual(["470515001"]);
    const ann = sandbox.state.members("CONTACTS_LIST").find((member) => member.RIID_ === "470515001");
    expect(ann).toMatchObject({
      EMAIL_ADDRESS_: "ann@example.com", // REPLACE_ALL writes the value of the update
      FIRST_NAME: "Ann",
      LAST_NAME: "Smith",
      EMAIL_PERMISSION_STATUS_: "I",
      EMAIL_DOMAIN_: "example.com",
      EMAIL_MD5_HASH_: hashEmail("ann@example.com", "md5"),
      EMAIL_SHA256_HASH_: hashEmail("ann@example.com", "sha256"),
      CREATED_DATE_: new Date(T0).toISOString(),
    });
  });

  it("gives a new record OPTOUT when defaultPermissionStatus is left out (Responsys' default)", async () => {
    await caller.call(
      "POST",
      MEMBERS,
      listMerge(["EMAIL_ADDRESS_"], [["c@example.com"]], { defaultPermissionStatus: undefined }),
    );
    expect(sandbox.state.members("CONTACTS_LIST")[0]).toMatchObject({ EMAIL_PERMISSION_STATUS_: "O" });
  });

  it("leaves a matched record alone with updateOnMatch NO_UPDATE", async () => {
    await caller.call(
      "POST",
      MEMBERS,
      listMerge(["EMAIL_ADDRESS_", "FIRST_NAME"], [["d@example.com", "Dee"]]),
    );
    const result = await caller.call(
      "POST",
      MEMBERS,
      listMerge(["EMAIL_ADDRESS_", "FIRST_NAME"], [["d@example.com", "Changed"]], {
        updateOnMatch: "NO_UPDATE",
      }),
    );
    expect(mergedRecords(result.body)).toEqual(["470515001"]);
    expect(sandbox.state.members("CONTACTS_LIST")[0]).toMatchObject({ FIRST_NAME: "Dee" });
  });

  it("fails only the row with a bad email (MERGEFAILED) and merges the rest of the batch", async () => {
    const result = await caller.call(
      "POST",
      MEMBERS,
      listMerge(["EMAIL_ADDRESS_"], [["good@example.com"], ["not-an-email"], ["also@example.com"]]),
    );
    expect(result.status).toBe(200);
    const [first, second, third] = mergedRecords(result.body);
    expect(first).toBe("470515001");
    expect(second).toMatch(/^MERGEFAILED: Record 1 = INVALID_PARAMETER: Bad Email Format/);
    expect(third).toBe("470515002");
    expect(sandbox.state.members("CONTACTS_LIST").map((member) => member.EMAIL_ADDRESS_)).toEqual([
      "good@example.com",
      "also@example.com",
    ]);
  });

  it("matches on a hash column to update (insertOnNoMatch false) and fails rows that match nobody", async () => {
    await caller.call("POST", MEMBERS, listMerge(["EMAIL_ADDRESS_"], [["hash@example.com"]]));
    const result = await caller.call(
      "POST",
      MEMBERS,
      listMerge(
        ["EMAIL_SHA256_HASH_", "FIRST_NAME"],
        [
          [hashEmail("hash@example.com", "sha256"), "Hashed"],
          [hashEmail("nobody@example.com", "sha256"), "Nobody"],
        ],
        { matchColumnName1: "EMAIL_SHA256_HASH_", insertOnNoMatch: false },
      ),
    );
    const [matched, missing] = mergedRecords(result.body);
    expect(matched).toBe("470515001");
    expect(missing).toMatch(/^MERGEFAILED: Record 1 = RECORD_NOT_FOUND/);
    expect(sandbox.state.members("CONTACTS_LIST")).toHaveLength(1);
    expect(sandbox.state.members("CONTACTS_LIST")[0]).toMatchObject({ FIRST_NAME: "Hashed" });
  });

  it("matches on two columns with matchOperator AND only when both agree", async () => {
    await caller.call(
      "POST",
      MEMBERS,
      listMerge(["EMAIL_ADDRESS_", "CUSTOMER_ID_"], [["e@example.com", "42"]]),
    );
    const rule = { matchColumnName2: "CUSTOMER_ID_", matchOperator: "AND" };
    const result = await caller.call(
      "POST",
      MEMBERS,
      listMerge(
        ["EMAIL_ADDRESS_", "CUSTOMER_ID_"],
        [
          ["e@example.com", "42"],
          ["e@example.com", "43"],
        ],
        rule,
      ),
    );
    expect(mergedRecords(result.body)).toEqual(["470515001", "470515002"]);
  });

  it("rejects the whole request when a column is unknown, and changes nothing", async () => {
    const result = await caller.call(
      "POST",
      MEMBERS,
      listMerge(["EMAIL_ADDRESS_", "SHOE_SIZE"], [["f@example.com", "44"]]),
    );
    expect(result).toEqual({
      status: 400,
      body: {
        type: "",
        title: "Invalid request parameters",
        errorCode: "INVALID_PARAMETER",
        detail: "Invalid field name(s) for list CONTACTS_LIST: SHOE_SIZE",
        errorDetails: [],
      },
    });
    expect(sandbox.state.members("CONTACTS_LIST")).toEqual([]);
  });

  it("rejects more than 200 records with 400 INVALID_PARAMETER and accepts exactly 200", async () => {
    const records = (count: number) => Array.from({ length: count }, (_, index) => [`u${index}@example.com`]);
    const tooMany = await caller.call("POST", MEMBERS, listMerge(["EMAIL_ADDRESS_"], records(201)));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({
      errorCode: "INVALID_PARAMETER",
      detail: "Too many records: 201 sent, at most 200 per request",
    });
    expect(sandbox.state.members("CONTACTS_LIST")).toEqual([]);
    const full = await caller.call("POST", MEMBERS, listMerge(["EMAIL_ADDRESS_"], records(200)));
    expect(full.status).toBe(200);
    expect(sandbox.state.members("CONTACTS_LIST")).toHaveLength(200);
  });

  it.each([
    [
      "an unknown match column",
      { matchColumnName1: "EMAIL_ADDRESS" },
      ["EMAIL_ADDRESS_"],
      /Invalid match column EMAIL_ADDRESS/,
    ],
    ["no match column", { matchColumnName1: null }, ["EMAIL_ADDRESS_"], /matchColumnName1 is required/],
    [
      "a match column not among fieldNames",
      { matchColumnName1: "CUSTOMER_ID_" },
      ["EMAIL_ADDRESS_"],
      /not in fieldNames/,
    ],
    ["matchColumnName3", { matchColumnName3: "CUSTOMER_ID_" }, ["EMAIL_ADDRESS_"], /matchColumnName3/],
    [
      "an MD5 hash match with insertOnNoMatch true",
      { matchColumnName1: "EMAIL_MD5_HASH_" },
      ["EMAIL_MD5_HASH_"],
      /cannot be inserted when matching on EMAIL_MD5_HASH_/,
    ],
    [
      "a SHA-256 hash match with insertOnNoMatch left out (it defaults to true)",
      { matchColumnName1: "EMAIL_SHA256_HASH_", insertOnNoMatch: undefined },
      ["EMAIL_SHA256_HASH_"],
      /set insertOnNoMatch to false/,
    ],
    [
      "two hash match columns",
      { matchColumnName1: "EMAIL_MD5_HASH_", matchColumnName2: "EMAIL_SHA256_HASH_", insertOnNoMatch: false },
      ["EMAIL_MD5_HASH_", "EMAIL_SHA256_HASH_"],
      /Two hash match columns/,
    ],
    [
      "EMAIL_ADDRESS_ with a hash match column",
      { matchColumnName2: "EMAIL_MD5_HASH_", insertOnNoMatch: false },
      ["EMAIL_ADDRESS_", "EMAIL_MD5_HASH_"],
      /EMAIL_ADDRESS_ cannot be combined/,
    ],
    ["a bad updateOnMatch", { updateOnMatch: "MERGE" }, ["EMAIL_ADDRESS_"], /updateOnMatch/],
  ])("refuses %s with 400 INVALID_PARAMETER", async (_, rule, fieldNames, detail) => {
    const values = fieldNames.map(() => "x@example.com");
    const result = await caller.call("POST", MEMBERS, listMerge(fieldNames, [values], rule));
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({
      errorCode: "INVALID_PARAMETER",
      detail: expect.stringMatching(detail),
    });
    expect(sandbox.state.members("CONTACTS_LIST")).toEqual([]);
  });

  it("answers 400 INVALID_REQUEST_CONTENT for a body that is not JSON", async () => {
    const result = await caller.call("POST", MEMBERS, "{not json");
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ errorCode: "INVALID_REQUEST_CONTENT" });
  });

  it("fails a row whose value does not fit its column type", async () => {
    const result = await caller.call(
      "POST",
      MEMBERS,
      listMerge(
        ["EMAIL_ADDRESS_", "EMAIL_FORMAT_"],
        [
          ["g@example.com", "HTML"],
          ["h@example.com", "H"],
        ],
      ),
    );
    const [tooLong, ok] = mergedRecords(result.body);
    expect(tooLong).toMatch(/^MERGEFAILED: Record 0 = INVALID_PARAMETER: The value HTML of EMAIL_FORMAT_/);
    expect(ok).toBe("470515001");
  });
});
