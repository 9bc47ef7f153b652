import { beforeEach, describe, expect, it } from "vitest";
import { sandbox, sandboxClient, seedMembers } from "../../test/sandbox-control.ts";

const control = sandbox();
const PET_MERGES = { api: "Merge Profile Extension Recipients" };

beforeEach(() => control.reset());

async function withPet() {
  const setup = sandboxClient(control);
  const pet = await setup.client.extensions.create("CONTACTS_LIST", {
    objectName: "Lytics_Segments",
    folderName: "Lists",
    fields: [
      { fieldName: "vip_customers", fieldType: "STR500" },
      { fieldName: "churn_risk", fieldType: "STR500" },
    ],
  });
  return { ...setup, pet };
}

describe("extensions", () => {
  it("creates a PET and lists it", async () => {
    const { client, pet, sent } = await withPet();
    expect(pet).toMatchObject({ objectName: "Lytics_Segments", folderName: "Lists" });
    expect(JSON.parse(sent.at(-1)?.body ?? "")).toEqual({
      profileExtension: { objectName: "Lytics_Segments", folderName: "Lists" },
      fields: [
        { fieldName: "vip_customers", fieldType: "STR500" },
        { fieldName: "churn_risk", fieldType: "STR500" },
      ],
    });
    const pets = await client.extensions.list("CONTACTS_LIST");
    expect(pets.map((each) => each.objectName)).toEqual(["Lytics_Segments"]);
    expect(pets[0]?.fields.map((field) => field.fieldName)).toEqual(
      expect.arrayContaining(["vip_customers", "churn_risk"]),
    );
  });

  it("a second create of the same PET is a permanent error, not retried", async () => {
    const { client } = await withPet();
    const error = await client.extensions
      .create("CONTACTS_LIST", {
        objectName: "Lytics_Segments",
        folderName: "Lists",
        fields: [{ fieldName: "x1", fieldType: "STR500" }],
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: "permanent", errorCode: "PROFILE_EXTENSION_ALREADY_EXISTS" });
    expect(await control.requests({ api: "Create Profile Extension" })).toHaveLength(2);
  });

  it.each([
    [
      { objectName: "P", folderName: "Lists", fields: [{ fieldName: "ends_", fieldType: "STR500" }] },
      "ends with _",
    ],
    [
      { objectName: "P", folderName: "Lists", fields: [{ fieldName: "1abc", fieldType: "STR500" }] },
      "start with a letter",
    ],
    [
      { objectName: "P", folderName: "Lists", fields: [{ fieldName: "ok", fieldType: "STR255" }] },
      "fieldType",
    ],
    [{ objectName: "P", folderName: "Lists", fields: [] }, "at least one field"],
    [
      { objectName: "", folderName: "Lists", fields: [{ fieldName: "ok", fieldType: "STR500" }] },
      "objectName",
    ],
  ])("refuses the PET definition %j before any request", async (input, message) => {
    const { client } = sandboxClient(control);
    // @ts-expect-error: deliberately invalid input, as untyped callers could send
    const call = client.extensions.create("CONTACTS_LIST", input);
    await expect(call).rejects.toMatchObject({
      code: "INVALID_EXTENSION",
      message: expect.stringContaining(message),
    });
    expect(await control.requests()).toEqual([]);
  });

  it("merges rows with bare match columns and no mergeRule wrapper; a row without a list record fails alone", async () => {
    const { client, sent } = await withPet();
    await seedMembers(client, ["ann@example.com"]);
    const results = await client.extensions.mergeMembers("CONTACTS_LIST", "Lytics_Segments", {
      fieldNames: ["EMAIL_ADDRESS_", "vip_customers"],
      records: [
        ["ann@example.com", 1],
        ["nobody@example.com", 0],
      ],
      matchColumnName1: "EMAIL_ADDRESS_",
      insertOnNoMatch: true,
    });
    expect(results[0]).toEqual({ ok: true, riid: expect.stringMatching(/^\d+$/) });
    expect(results[1]).toEqual({ ok: false, error: expect.stringMatching(/^MERGEFAILED: /) });
    expect(JSON.parse(sent.at(-1)?.body ?? "")).toEqual({
      recordData: {
        fieldNames: ["EMAIL_ADDRESS_", "vip_customers"],
        records: [
          ["ann@example.com", "1"],
          ["nobody@example.com", "0"],
        ],
        mapTemplateName: null,
      },
      insertOnNoMatch: true,
      updateOnMatch: "REPLACE_ALL",
      matchColumnName1: "EMAIL_ADDRESS",
      matchColumnName2: null,
    });
    const state = await control.state();
    const pet = state.lists[0]?.extensions.find((each) => each.objectName === "Lytics_Segments");
    expect(pet?.members).toEqual([expect.objectContaining({ vip_customers: "1" })]);
  });

  it("refuses more than 200 rows, a match key missing from fieldNames, and inserts by hash", async () => {
    const { client } = sandboxClient(control);
    const merge = (input: Parameters<typeof client.extensions.mergeMembers>[2]) =>
      client.extensions.mergeMembers("CONTACTS_LIST", "Lytics_Segments", input);
    await expect(
      merge({
        fieldNames: ["EMAIL_ADDRESS_"],
        records: Array.from({ length: 201 }, () => ["a@example.com"]),
        matchColumnName1: "EMAIL_ADDRESS",
        insertOnNoMatch: true,
      }),
    ).rejects.toMatchObject({ code: "TOO_MANY_RECORDS" });
    await expect(
      merge({
        fieldNames: ["CUSTOMER_ID_"],
        records: [["42"]],
        matchColumnName1: "EMAIL_ADDRESS",
        insertOnNoMatch: true,
      }),
    ).rejects.toMatchObject({ code: "INVALID_RECORDS", message: expect.stringContaining("EMAIL_ADDRESS_") });
    await expect(
      merge({
        fieldNames: ["EMAIL_MD5_HASH_"],
        records: [["x"]],
        matchColumnName1: "EMAIL_MD5_HASH",
        insertOnNoMatch: true,
      }),
    ).rejects.toMatchObject({ code: "INVALID_MERGE_RULE" });
    await expect(
      merge({
        fieldNames: ["FIRST_NAME"],
        records: [["x"]],
        matchColumnName1: "FIRST_NAME",
        insertOnNoMatch: false,
      }),
    ).rejects.toMatchObject({ code: "INVALID_MERGE_RULE" });
    expect(await control.requests(PET_MERGES)).toEqual([]);
  });

  it("a PET merge is retried on a 5xx", async () => {
    const { client } = await withPet();
    await seedMembers(client, ["ann@example.com"]);
    await control.fault({ kind: "server_error", match: PET_MERGES });
    const results = await client.extensions.mergeMembers("CONTACTS_LIST", "Lytics_Segments", {
      fieldNames: ["EMAIL_ADDRESS_", "churn_risk"],
      records: [["ann@example.com", "1"]],
      matchColumnName1: "EMAIL_ADDRESS",
      insertOnNoMatch: true,
    });
    expect(results).toEqual([{ ok: true, riid: expect.any(String) }]);
    expect((await control.requests(PET_MERGES)).map((request) => request.status)).toEqual([503, 200]);
  });
});
