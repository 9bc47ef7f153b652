import { beforeEach, describe, expect, it } from "vitest";
import { createSandbox, defaultSeed, NO_RECIPIENT_FOUND, type Sandbox } from "./index.ts";
import { listMerge, T0, TestCaller } from "./test-caller.ts";

const TRIGGER = "/v1.3/campaigns/Welcome_Series/email";
const LIST = { folderName: "Lists", objectName: "CONTACTS_LIST" };

let sandbox: Sandbox;
let caller: TestCaller;

beforeEach(async () => {
  sandbox = createSandbox({ now: () => T0 });
  caller = TestCaller.inProcess(sandbox);
  await caller.login();
  await caller.call(
    "POST",
    "/v1.3/lists/CONTACTS_LIST/members",
    listMerge(
      ["EMAIL_ADDRESS_", "CUSTOMER_ID_"],
      [
        ["ann@example.com", "c-1"],
        ["bob@example.com", "c-2"],
      ],
    ),
  );
});

describe("GET /campaigns", () => {
  it("answers { campaigns, links } with the EMD email campaigns", async () => {
    expect(await caller.call("GET", "/v1.3/campaigns?type=email")).toEqual({
      status: 200,
      body: {
        campaigns: [
          {
            id: 101,
            name: "Welcome_Series",
            folderName: "Campaigns",
            type: "EMAIL",
            listName: "CONTACTS_LIST",
            campaignStatus: "ACTIVE",
            purpose: "PROMOTIONAL",
          },
        ],
        links: [
          { rel: "self", href: "/rest/api/v1.3/campaigns?type=email&offset=0&limit=200", method: "GET" },
        ],
      },
    });
  });

  it("pages with offset and limit, linking next and prev", async () => {
    const campaigns = Array.from({ length: 5 }, (_, index) => ({
      name: `Campaign_${index}`,
      folderName: "Campaigns",
      listName: "CONTACTS_LIST",
    }));
    sandbox.load({
      ...defaultSeed,
      campaigns: [
        ...campaigns,
        { name: "Push_One", folderName: "Campaigns", listName: "CONTACTS_LIST", type: "PUSH" },
      ],
    });
    const page = await caller.call("GET", "/v1.3/campaigns?type=email&offset=2&limit=2");
    const body = page.body as { campaigns: { name: string }[]; links: { rel: string; href: string }[] };
    expect(body.campaigns.map((campaign) => campaign.name)).toEqual(["Campaign_2", "Campaign_3"]);
    expect(body.links).toEqual([
      { rel: "self", href: "/rest/api/v1.3/campaigns?type=email&offset=2&limit=2", method: "GET" },
      { rel: "next", href: "/rest/api/v1.3/campaigns?type=email&offset=4&limit=2", method: "GET" },
      { rel: "prev", href: "/rest/api/v1.3/campaigns?type=email&offset=0&limit=2", method: "GET" },
    ]);
    const last = (await caller.call("GET", "/v1.3/campaigns?type=email&offset=4&limit=2"))
      .body as typeof body;
    expect(last.campaigns.map((campaign) => campaign.name)).toEqual(["Campaign_4"]);
    expect(last.links.map((link) => link.rel)).toEqual(["self", "prev"]);
  });

  it.each([
    ["a limit over 200", "?type=email&limit=201"],
    ["a negative offset", "?type=email&offset=-1"],
    ["no type", ""],
    ["an unknown type", "?type=fax"],
  ])("refuses %s with 400 INVALID_PARAMETER", async (_, query) => {
    const result = await caller.call("GET", `/v1.3/campaigns${query}`);
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ errorCode: "INVALID_PARAMETER" });
  });
});

describe("POST /campaigns/{campaign}/email (trigger)", () => {
  it("answers one entry per recipient in order; a recipient not on the list gets NO_RECIPIENT_FOUND", async () => {
    const result = await caller.call("POST", TRIGGER, {
      recipientData: [
        {
          recipient: { emailAddress: "BOB@example.com", listName: LIST, emailFormat: "HTML_FORMAT" },
          optionalData: [],
        },
        { recipient: { emailAddress: "zed@example.com", listName: LIST }, optionalData: [] },
        {
          recipient: { customerId: "c-1", listName: LIST },
          optionalData: [{ name: "FIRST_NAME", value: "Ann" }],
        },
        { recipient: { recipientId: 470515001, listName: LIST } },
      ],
    });
    expect(result).toEqual({
      status: 200,
      body: [
        { recipientId: 470515002, success: true, errorMessage: null },
        { recipientId: -1, success: false, errorMessage: NO_RECIPIENT_FOUND },
        { recipientId: 470515001, success: true, errorMessage: null },
        { recipientId: 470515001, success: true, errorMessage: null },
      ],
    });
    expect(NO_RECIPIENT_FOUND).toBe("NO_RECIPIENT_FOUND: Recipient Not Found");
    expect(sandbox.state.sent()).toEqual([
      {
        campaign: "Welcome_Series",
        riid: 470515002,
        emailAddress: "bob@example.com",
        optionalData: [],
        time: T0,
      },
      {
        campaign: "Welcome_Series",
        riid: 470515001,
        emailAddress: "ann@example.com",
        optionalData: [{ name: "FIRST_NAME", value: "Ann" }],
        time: T0,
      },
      {
        campaign: "Welcome_Series",
        riid: 470515001,
        emailAddress: "ann@example.com",
        optionalData: [],
        time: T0,
      },
    ]);
  });

  it("does not find a recipient through another list", async () => {
    const result = await caller.call("POST", TRIGGER, {
      recipientData: [
        {
          recipient: {
            emailAddress: "ann@example.com",
            listName: { folderName: "Lists", objectName: "OTHER" },
          },
        },
      ],
    });
    expect(result.body).toEqual([{ recipientId: -1, success: false, errorMessage: NO_RECIPIENT_FOUND }]);
  });

  it("answers 404 CAMPAIGN_NOT_FOUND for a campaign that does not exist", async () => {
    const result = await caller.call("POST", "/v1.3/campaigns/Nope/email", {
      recipientData: [{ recipient: { emailAddress: "ann@example.com", listName: LIST } }],
    });
    expect(result).toEqual({
      status: 404,
      body: {
        type: "",
        title: "Campaign not found",
        errorCode: "CAMPAIGN_NOT_FOUND",
        detail: "Campaign Nope not found",
        errorDetails: [],
      },
    });
  });

  it("refuses literal non-ASCII (it must be \\uXXXX-escaped) and accepts the escaped form", async () => {
    const body = (value: string) =>
      `{"recipientData":[{"recipient":{"emailAddress":"ann@example.com","listName":{"folderName":"Lists","objectName":"CONTACTS_LIST"}},"optionalData":[{"name":"FIRST_NAME","value":"${value}"}]}]}`;
    const literal = await caller.call("POST", TRIGGER, body("Zoë"));
    expect(literal.status).toBe(400);
    expect(literal.body).toMatchObject({ errorCode: "INVALID_REQUEST_CONTENT" });
    const escaped = await caller.call("POST", TRIGGER, body("Zo\\u00eb"));
    expect(escaped.status).toBe(200);
    expect(sandbox.state.sent()[0]?.optionalData).toEqual([{ name: "FIRST_NAME", value: "Zoë" }]);
  });

  it("refuses more than 200 recipients with 400 INVALID_PARAMETER and sends nothing", async () => {
    const recipientData = Array.from({ length: 201 }, () => ({
      recipient: { emailAddress: "ann@example.com", listName: LIST },
    }));
    const result = await caller.call("POST", TRIGGER, { recipientData });
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({
      errorCode: "INVALID_PARAMETER",
      detail: expect.stringMatching(/at most 200/),
    });
    expect(sandbox.state.sent()).toEqual([]);
  });

  it("reports an undeliverable recipient without failing the others", async () => {
    sandbox.load({
      ...defaultSeed,
      lists: defaultSeed.lists.map((list) => ({
        ...list,
        members: [{ RIID_: "7", EMAIL_ADDRESS_: "bounce@example.com", EMAIL_DELIVERABILITY_STATUS_: "U" }],
      })),
    });
    const result = await caller.call("POST", TRIGGER, {
      recipientData: [{ recipient: { emailAddress: "bounce@example.com", listName: LIST } }],
    });
    expect(result.body).toEqual([
      {
        recipientId: -1,
        success: false,
        errorMessage: "RECIPIENT_STATUS_UNDELIVERABLE: Recipient deliverability status is undeliverable",
      },
    ]);
  });
});

describe("POST /campaigns/{campaign}/email (merge + trigger)", () => {
  const mergeTrigger = (records: { fieldValues: string[]; optionalData?: unknown[] }[], rule = {}) => ({
    mergeTriggerRecordData: { fieldNames: ["EMAIL_ADDRESS_", "FIRST_NAME"], mergeTriggerRecords: records },
    mergeRule: {
      insertOnNoMatch: true,
      updateOnMatch: "REPLACE_ALL",
      matchColumnName1: "EMAIL_ADDRESS_",
      matchColumnName2: null,
      matchOperator: "NONE",
      defaultPermissionStatus: "OPTIN",
      ...rule,
    },
  });

  it("merges the records into the campaign's list, then sends to each", async () => {
    const result = await caller.call(
      "POST",
      TRIGGER,
      mergeTrigger([
        { fieldValues: ["ann@example.com", "Ann"], optionalData: [{ name: "OFFER", value: "10" }] },
        { fieldValues: ["new@example.com", "Nia"] },
      ]),
    );
    expect(result).toEqual({
      status: 200,
      body: [
        { recipientId: 470515001, success: true, errorMessage: null },
        { recipientId: 470515003, success: true, errorMessage: null },
      ],
    });
    expect(sandbox.state.members("CONTACTS_LIST").map((member) => member.FIRST_NAME)).toEqual([
      "Ann",
      undefined,
      "Nia",
    ]);
    expect(sandbox.state.sent().map((sent) => sent.riid)).toEqual([470515001, 470515003]);
    expect(sandbox.requests({ api: "Merge Trigger Email" })).toHaveLength(1);
  });

  it("fails a record that cannot merge without failing the others", async () => {
    const result = await caller.call(
      "POST",
      TRIGGER,
      mergeTrigger(
        [{ fieldValues: ["ghost@example.com", "G"] }, { fieldValues: ["bob@example.com", "Bob"] }],
        {
          insertOnNoMatch: false,
        },
      ),
    );
    expect(result.body).toEqual([
      {
        recipientId: -1,
        success: false,
        errorMessage: expect.stringMatching(/^MERGEFAILED: Record 0 = RECORD_NOT_FOUND/),
      },
      { recipientId: 470515002, success: true, errorMessage: null },
    ]);
  });

  it("answers a bad email with 400 INVALID_PARAMETER for the whole call (observed) and changes nothing", async () => {
    const result = await caller.call(
      "POST",
      TRIGGER,
      mergeTrigger([{ fieldValues: ["new@example.com", "N"] }, { fieldValues: ["bad-email", "B"] }]),
    );
    expect(result).toEqual({
      status: 400,
      body: {
        type: "",
        title: "Invalid request parameters",
        errorCode: "INVALID_PARAMETER",
        detail: "Record 1 = Bad Email Format\r\n",
        errorDetails: [],
      },
    });
    expect(sandbox.state.members("CONTACTS_LIST")).toHaveLength(2);
    expect(sandbox.state.sent()).toEqual([]);
  });
});
