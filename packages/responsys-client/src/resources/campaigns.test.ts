import { defaultSeed } from "@responsys-bridge/responsys-sandbox";
import { beforeEach, describe, expect, it } from "vitest";
import { sandbox, sandboxClient, seedMembers } from "../../test/sandbox-control.ts";
import { isResponsysError } from "../errors.ts";

const control = sandbox();
const TRIGGERS = { api: "Trigger Email" };
const CONTACTS = { folderName: "Lists", objectName: "CONTACTS_LIST" };

beforeEach(() => control.reset());

describe("campaigns: picker", () => {
  it("reads a page of email campaigns", async () => {
    const { client, sent } = sandboxClient(control);
    const page = await client.campaigns.list();
    expect(sent.at(-1)?.url).toBe(`${control.url}/rest/api/v1.3/campaigns?type=email&offset=0&limit=200`);
    expect(page).toEqual({
      campaigns: [
        {
          id: 101,
          name: "Welcome_Series",
          folderName: "Campaigns",
          list: { objectName: "CONTACTS_LIST", folderName: undefined },
          type: "EMAIL",
          status: "ACTIVE",
          purpose: "PROMOTIONAL",
        },
      ],
      offset: 0,
      limit: 200,
      nextOffset: undefined,
    });
  });

  it("pages through every campaign with the async iterator", async () => {
    const names = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"];
    await control.seed({
      ...defaultSeed,
      campaigns: names.map((name, index) => ({
        id: 200 + index,
        name,
        folderName: "Campaigns",
        listName: "CONTACTS_LIST",
      })),
    });
    const { client } = sandboxClient(control);
    const first = await client.campaigns.list({ limit: 2 });
    expect(first.campaigns.map((campaign) => campaign.name)).toEqual(["Alpha", "Bravo"]);
    expect(first.nextOffset).toBe(2);
    const seen: string[] = [];
    for await (const campaign of client.campaigns.all({ limit: 2 })) seen.push(campaign.name);
    expect(seen).toEqual(names);
    const pages = await control.requests({ api: "Retrieve All Campaigns" });
    expect(pages.map((request) => request.query.offset)).toEqual(["0", "0", "2", "4"]);
    await expect(client.campaigns.list({ limit: 201 })).rejects.toMatchObject({ code: "INVALID_PAGE" });
  });
});

describe("campaigns: triggers", () => {
  it("triggers existing members, results per recipient as values, non-ASCII escaped on the wire", async () => {
    const { client, sent } = sandboxClient(control);
    const [riid] = await seedMembers(client, ["ann@example.com"]);
    const results = await client.campaigns.triggerEmail("Welcome_Series", [
      {
        emailAddress: "ann@example.com",
        listName: CONTACTS,
        optionalData: { FIRST_NAME: "Zoë 😀 東京", AGE: 30 },
      },
      { emailAddress: "nobody@example.com", listName: CONTACTS },
    ]);
    expect(results).toEqual([
      { recipientId: Number(riid), success: true, errorMessage: null },
      { recipientId: -1, success: false, errorMessage: expect.stringMatching(/^NO_RECIPIENT_FOUND/) },
    ]);
    expect(sent.at(-1)?.body).toBe(
      '{"recipientData":[' +
        '{"recipient":{"emailAddress":"ann@example.com","listName":{"folderName":"Lists","objectName":"CONTACTS_LIST"}},' +
        '"optionalData":[{"name":"FIRST_NAME","value":"Zo\\u00eb \\ud83d\\ude00 \\u6771\\u4eac"},{"name":"AGE","value":"30"}]},' +
        '{"recipient":{"emailAddress":"nobody@example.com","listName":{"folderName":"Lists","objectName":"CONTACTS_LIST"}}}]}',
    );
    expect(sent.at(-1)?.headers.get("content-type")).toBe("application/json");
    const state = await control.state();
    expect(state.sent).toEqual([
      expect.objectContaining({
        campaign: "Welcome_Series",
        riid: Number(riid),
        optionalData: [
          { name: "FIRST_NAME", value: "Zoë 😀 東京" },
          { name: "AGE", value: "30" },
        ],
      }),
    ]);
  });

  it.each(["drop_after", "drop_before"] as const)(
    "a trigger whose connection drops (%s) is AMBIGUOUS_DELIVERY and never repeated",
    async (kind) => {
      const { client, sleeps } = sandboxClient(control);
      await seedMembers(client, ["ann@example.com"]);
      await control.fault({ kind, match: TRIGGERS });
      const error = await client.campaigns
        .triggerEmail("Welcome_Series", [{ emailAddress: "ann@example.com", listName: CONTACTS }])
        .catch((caught: unknown) => caught);
      expect(isResponsysError(error, "ambiguous")).toBe(true);
      expect(error).toMatchObject({ code: "AMBIGUOUS_DELIVERY", retryable: false });
      expect(await control.requests(TRIGGERS)).toHaveLength(1);
      expect(sleeps).toEqual([]);
      // After the drop the email really went out once; before it, not at all. Either way, no second send.
      expect((await control.state()).sent).toHaveLength(kind === "drop_after" ? 1 : 0);
    },
  );

  it("a trigger answered with 5xx is repeated: Responsys said it did not process it", async () => {
    const { client } = sandboxClient(control);
    await seedMembers(client, ["ann@example.com"]);
    await control.fault({ kind: "server_error", match: TRIGGERS, status: 500 });
    const results = await client.campaigns.triggerEmail("Welcome_Series", [
      { emailAddress: "ann@example.com", listName: CONTACTS },
    ]);
    expect(results[0]?.success).toBe(true);
    expect((await control.requests(TRIGGERS)).map((request) => request.status)).toEqual([500, 200]);
    expect((await control.state()).sent).toHaveLength(1);
  });

  it("a gateway timeout (504) on a trigger is ambiguous, not repeated", async () => {
    const { client } = sandboxClient(control);
    await seedMembers(client, ["ann@example.com"]);
    await control.fault({ kind: "server_error", match: TRIGGERS, status: 504 });
    await expect(
      client.campaigns.triggerEmail("Welcome_Series", [
        { emailAddress: "ann@example.com", listName: CONTACTS },
      ]),
    ).rejects.toMatchObject({ kind: "ambiguous", code: "AMBIGUOUS_DELIVERY", status: 504 });
    expect(await control.requests(TRIGGERS)).toHaveLength(1);
  });

  it("a throttled trigger is backed off and repeated without a login", async () => {
    await control.configure({ rateLimits: { "Trigger Email": 1 } });
    const { client, sleeps } = sandboxClient(control);
    await seedMembers(client, ["ann@example.com", "bob@example.com"]);
    const trigger = (email: string) =>
      client.campaigns.triggerEmail("Welcome_Series", [{ emailAddress: email, listName: CONTACTS }]);
    await trigger("ann@example.com");
    expect((await trigger("bob@example.com"))[0]?.success).toBe(true);
    expect((await control.requests(TRIGGERS)).map((request) => request.status)).toEqual([200, 401, 401, 200]);
    expect(await control.requests({ api: "Login" })).toHaveLength(1);
    expect(sleeps).toEqual([22_500, 45_000]);
    expect((await control.state()).sent).toHaveLength(2);
  });

  it("an expired token during a trigger: one login, one repeat, one email", async () => {
    const { client } = sandboxClient(control);
    await seedMembers(client, ["ann@example.com"]);
    await control.expireTokens();
    const results = await client.campaigns.triggerEmail("Welcome_Series", [
      { emailAddress: "ann@example.com", listName: CONTACTS },
    ]);
    expect(results[0]?.success).toBe(true);
    expect(await control.requests({ api: "Login" })).toHaveLength(2);
    expect((await control.requests(TRIGGERS)).map((request) => request.status)).toEqual([401, 200]);
    expect((await control.state()).sent).toHaveLength(1);
  });

  it("refuses more than 200 recipients and invalid recipients before any request", async () => {
    const { client } = sandboxClient(control);
    const many = Array.from({ length: 201 }, (_, index) => ({
      emailAddress: `u${index}@example.com`,
      listName: CONTACTS,
    }));
    await expect(client.campaigns.triggerEmail("Welcome_Series", many)).rejects.toMatchObject({
      code: "TOO_MANY_RECORDS",
    });
    await expect(
      client.campaigns.triggerEmail("Welcome_Series", [{ listName: CONTACTS }]),
    ).rejects.toMatchObject({
      code: "INVALID_RECIPIENT",
    });
    await expect(
      client.campaigns.triggerEmail("Welcome_Series", [
        { emailAddress: "a@example.com", listName: CONTACTS, optionalData: { EMAIL_ADDRESS_: "x" } },
      ]),
    ).rejects.toMatchObject({ code: "INVALID_RECIPIENT", message: expect.stringContaining("system column") });
    expect(await control.requests()).toEqual([]);
  });

  it("an unknown campaign is a permanent error", async () => {
    const { client } = sandboxClient(control);
    await expect(
      client.campaigns.triggerEmail("No_Such", [{ emailAddress: "a@example.com", listName: CONTACTS }]),
    ).rejects.toMatchObject({ kind: "permanent", errorCode: "CAMPAIGN_NOT_FOUND", retryable: false });
    expect(await control.requests(TRIGGERS)).toHaveLength(1);
  });
});

describe("campaigns: merge and trigger", () => {
  const mergeRule = {
    insertOnNoMatch: true,
    matchColumnName1: "EMAIL_ADDRESS_",
    defaultPermissionStatus: "OPTIN",
  } as const;

  it("merges new recipients and triggers them in one call", async () => {
    const { client, sent } = sandboxClient(control);
    const results = await client.campaigns.mergeAndTriggerEmail("Welcome_Series", {
      fieldNames: ["EMAIL_ADDRESS_", "FIRST_NAME"],
      records: [{ values: ["new@example.com", "Nën"], optionalData: { PROMO: "ÉTÉ" } }],
      mergeRule,
    });
    expect(results).toEqual([{ recipientId: expect.any(Number), success: true, errorMessage: null }]);
    const body = sent.at(-1)?.body ?? "";
    expect(body).toContain(
      '"fieldValues":["new@example.com","N\\u00ebn"],"optionalData":[{"name":"PROMO","value":"\\u00c9T\\u00c9"}]',
    );
    expect(JSON.parse(body).mergeRule).toMatchObject({
      matchColumnName3: null,
      defaultPermissionStatus: "OPTIN",
    });
    const state = await control.state();
    expect(state.lists[0]?.members).toEqual([
      expect.objectContaining({ EMAIL_ADDRESS_: "new@example.com", FIRST_NAME: "Nën" }),
    ]);
    expect(state.sent).toHaveLength(1);
    expect(await control.requests({ api: "Merge Trigger Email" })).toHaveLength(1);
  });

  it("a whole-request INVALID_PARAMETER is permanent and not repeated", async () => {
    const { client } = sandboxClient(control);
    const error = await client.campaigns
      .mergeAndTriggerEmail("Welcome_Series", {
        fieldNames: ["EMAIL_ADDRESS_"],
        records: [{ values: ["bad email"] }],
        mergeRule,
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: "permanent", status: 400, errorCode: "INVALID_PARAMETER" });
    expect(await control.requests({ api: "Merge Trigger Email" })).toHaveLength(1);
  });
});
