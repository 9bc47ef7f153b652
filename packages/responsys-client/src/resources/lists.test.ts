import { beforeEach, describe, expect, it } from "vitest";
import { sandbox, sandboxClient } from "../../test/sandbox-control.ts";
import { isResponsysError } from "../errors.ts";

const control = sandbox();
const MERGES = { api: "Merge List Recipients" };
const rule = {
  insertOnNoMatch: true,
  matchColumnName1: "EMAIL_ADDRESS_",
  defaultPermissionStatus: "OPTOUT",
} as const;

beforeEach(() => control.reset());

describe("lists", () => {
  it("lists profile lists and their fields", async () => {
    const { client } = sandboxClient(control);
    const lists = await client.lists.list();
    const contacts = lists.find((list) => list.name === "CONTACTS_LIST");
    expect(contacts?.folderName).toBe("Lists");
    expect(contacts?.fields).toContainEqual({ fieldName: "EMAIL_ADDRESS_", fieldType: "STR500" });
    const fields = await client.lists.fields("CONTACTS_LIST");
    expect(fields.name).toBe("CONTACTS_LIST");
    expect(fields.fields.map((field) => field.fieldName)).toEqual(
      expect.arrayContaining(["RIID_", "EMAIL_ADDRESS_", "FIRST_NAME", "LAST_NAME"]),
    );
  });

  it("merges records, sends a complete merge rule and string values, and returns one result per record", async () => {
    const { client, sent } = sandboxClient(control);
    const results = await client.lists.mergeMembers("CONTACTS_LIST", {
      fieldNames: ["EMAIL_ADDRESS_", "FIRST_NAME", "LAST_NAME"],
      records: [
        ["ann@example.com", "Ann", null],
        ["not-an-email", "Bob", "B"],
        ["cy@example.com", 42, true],
      ],
      mergeRule: rule,
    });
    expect(results[0]).toEqual({ ok: true, riid: expect.stringMatching(/^\d+$/) });
    expect(results[1]).toEqual({ ok: false, error: expect.stringMatching(/^MERGEFAILED: /) });
    expect(results[2]).toEqual({ ok: true, riid: expect.stringMatching(/^\d+$/) });
    expect(JSON.parse(sent.at(-1)?.body ?? "")).toEqual({
      recordData: {
        fieldNames: ["EMAIL_ADDRESS_", "FIRST_NAME", "LAST_NAME"],
        records: [
          ["ann@example.com", "Ann", ""],
          ["not-an-email", "Bob", "B"],
          ["cy@example.com", "42", "true"],
        ],
        mapTemplateName: null,
      },
      mergeRule: {
        insertOnNoMatch: true,
        updateOnMatch: "REPLACE_ALL",
        matchColumnName1: "EMAIL_ADDRESS_",
        matchColumnName2: null,
        matchColumnName3: null,
        matchOperator: "NONE",
        optinValue: "I",
        optoutValue: "O",
        htmlValue: "H",
        textValue: "T",
        rejectRecordIfChannelEmpty: null,
        defaultPermissionStatus: "OPTOUT",
      },
    });
    const state = await control.state();
    const members = state.lists.find((list) => list.name === "CONTACTS_LIST")?.members ?? [];
    expect(members.map((member) => member.EMAIL_ADDRESS_).sort()).toEqual([
      "ann@example.com",
      "cy@example.com",
    ]);
  });

  it("refuses more than 200 records before any request", async () => {
    const { client } = sandboxClient(control);
    const records = Array.from({ length: 201 }, (_, index) => [`u${index}@example.com`]);
    await expect(
      client.lists.mergeMembers("CONTACTS_LIST", {
        fieldNames: ["EMAIL_ADDRESS_"],
        records,
        mergeRule: rule,
      }),
    ).rejects.toMatchObject({ code: "TOO_MANY_RECORDS" });
    expect(await control.requests()).toEqual([]);
    const accepted = await client.lists.mergeMembers("CONTACTS_LIST", {
      fieldNames: ["EMAIL_ADDRESS_"],
      records: records.slice(0, 200),
      mergeRule: rule,
    });
    expect(accepted.filter((result) => result.ok)).toHaveLength(200);
  });

  it.each([
    [{ ...rule, matchColumnName1: "EMAIL_MD5_HASH_" }, "insertOnNoMatch"],
    [
      {
        ...rule,
        insertOnNoMatch: false,
        matchColumnName1: "EMAIL_MD5_HASH_",
        matchColumnName2: "EMAIL_SHA256_HASH_",
      },
      "two hash",
    ],
    [
      {
        ...rule,
        insertOnNoMatch: false,
        matchColumnName1: "EMAIL_MD5_HASH_",
        matchColumnName2: "EMAIL_ADDRESS_",
      },
      "EMAIL_ADDRESS_",
    ],
    [{ ...rule, matchColumnName2: "EMAIL_ADDRESS_" }, "differ"],
    [{ ...rule, matchColumnName1: "FIRST_NAME" }, "matchColumnName1"],
    [{ insertOnNoMatch: true, matchColumnName1: "EMAIL_ADDRESS_" }, "defaultPermissionStatus"],
  ])("refuses the merge rule %j before any request", async (mergeRule, message) => {
    const { client } = sandboxClient(control);
    const call = client.lists.mergeMembers("CONTACTS_LIST", {
      fieldNames: ["EMAIL_ADDRESS_", "EMAIL_MD5_HASH_"],
      records: [["a@example.com", "0cc175b9c0f1b6a831c399e269772661"]],
      // @ts-expect-error: deliberately invalid input, as untyped callers could send
      mergeRule,
    });
    await expect(call).rejects.toMatchObject({
      code: "INVALID_MERGE_RULE",
      message: expect.stringContaining(message),
    });
    expect(await control.requests()).toEqual([]);
  });

  it("refuses a match column missing from fieldNames before any request", async () => {
    const { client } = sandboxClient(control);
    await expect(
      client.lists.mergeMembers("CONTACTS_LIST", {
        fieldNames: ["CUSTOMER_ID_"],
        records: [["42"]],
        mergeRule: rule,
      }),
    ).rejects.toMatchObject({ code: "INVALID_RECORDS", message: expect.stringContaining("EMAIL_ADDRESS_") });
    expect(await control.requests()).toEqual([]);
  });

  it("encodes list names in the path", async () => {
    const { client, sent } = sandboxClient(control);
    const error = await client.lists.fields("A/B ?x=1").catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: "permanent", errorCode: "LIST_NOT_FOUND", status: 404 });
    expect(sent.at(-1)?.url).toBe(`${control.url}/rest/api/v1.3/lists/A%2FB%20%3Fx%3D1/fields`);
    // The name stayed one path segment and added no query string.
    const [request] = await control.requests({ path: "/lists/" });
    expect(request?.path).toMatch(/^\/rest\/api\/v1\.3\/lists\/A%2FB[^/]*\/fields$/);
    expect(request?.query).toEqual({});
    await expect(client.lists.fields("..")).rejects.toMatchObject({ code: "INVALID_OBJECT_NAME" });
  });

  it("a permanent error is not retried", async () => {
    const { client, sleeps } = sandboxClient(control);
    const error = await client.lists
      .mergeMembers("NO_SUCH_LIST", {
        fieldNames: ["EMAIL_ADDRESS_"],
        records: [["a@example.com"]],
        mergeRule: rule,
      })
      .catch((caught: unknown) => caught);
    expect(isResponsysError(error, "permanent")).toBe(true);
    expect(error).toMatchObject({ retryable: false, code: "LIST_NOT_FOUND" });
    expect(await control.requests(MERGES)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("5xx is retried with backoff until it succeeds", async () => {
    await control.fault({ kind: "server_error", match: MERGES, times: 2, status: 503 });
    const { client, sleeps } = sandboxClient(control);
    const results = await client.lists.mergeMembers("CONTACTS_LIST", {
      fieldNames: ["EMAIL_ADDRESS_"],
      records: [["a@example.com"]],
      mergeRule: rule,
    });
    expect(results).toEqual([{ ok: true, riid: expect.any(String) }]);
    expect((await control.requests(MERGES)).map((request) => request.status)).toEqual([503, 503, 200]);
    expect(sleeps).toEqual([750, 1500]);
  });

  it("gives up after maxRetries with a retryable server error", async () => {
    await control.fault({ kind: "server_error", match: MERGES, times: 5, status: 500 });
    const { client } = sandboxClient(control, { maxRetries: 1 });
    const error = await client.lists
      .mergeMembers("CONTACTS_LIST", {
        fieldNames: ["EMAIL_ADDRESS_"],
        records: [["a@example.com"]],
        mergeRule: rule,
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      kind: "server",
      retryable: true,
      status: 500,
      code: "UNEXPECTED_EXCEPTION",
    });
    expect(await control.requests(MERGES)).toHaveLength(2);
  });

  it("throttling (API_LIMIT_EXCEEDED, a 401) is backed off without a new login", async () => {
    await control.configure({ rateLimits: { "Merge List Recipients": 1 } });
    const { client, sleeps } = sandboxClient(control);
    const merge = (email: string) =>
      client.lists.mergeMembers("CONTACTS_LIST", {
        fieldNames: ["EMAIL_ADDRESS_"],
        records: [[email]],
        mergeRule: rule,
      });
    await merge("a@example.com");
    expect(await merge("b@example.com")).toEqual([{ ok: true, riid: expect.any(String) }]);
    const merges = await control.requests(MERGES);
    expect(merges.map((request) => request.status)).toEqual([200, 401, 401, 200]);
    expect(await control.requests({ api: "Login" })).toHaveLength(1);
    expect(sleeps).toEqual([22_500, 45_000]);
  });

  it("the capacity limit is retried", async () => {
    await control.fault({ kind: "capacity_limit", match: MERGES, times: 1 });
    const { client, sleeps } = sandboxClient(control);
    await client.lists.mergeMembers("CONTACTS_LIST", {
      fieldNames: ["EMAIL_ADDRESS_"],
      records: [["a@example.com"]],
      mergeRule: rule,
    });
    expect((await control.requests(MERGES)).map((request) => request.status)).toEqual([401, 200]);
    expect(await control.requests({ api: "Login" })).toHaveLength(1);
    expect(sleeps).toEqual([45_000]);
  });

  it.each(["drop_before", "drop_after"] as const)(
    "a merge whose connection drops (%s) is retried: merges are idempotent",
    async (kind) => {
      await control.fault({ kind, match: MERGES });
      const { client } = sandboxClient(control);
      const results = await client.lists.mergeMembers("CONTACTS_LIST", {
        fieldNames: ["EMAIL_ADDRESS_"],
        records: [["a@example.com"]],
        mergeRule: rule,
      });
      expect(results).toEqual([{ ok: true, riid: expect.any(String) }]);
      expect(await control.requests(MERGES)).toHaveLength(2);
      const state = await control.state();
      expect(state.lists.find((list) => list.name === "CONTACTS_LIST")?.members).toHaveLength(1);
    },
  );
});
