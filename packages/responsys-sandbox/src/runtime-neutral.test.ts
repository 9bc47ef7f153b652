import { expect, it } from "vitest";
import { ConnectionDroppedError, createSandbox, NO_RECIPIENT_FOUND } from "./index.ts";
import { listMerge, TestCaller } from "./test-caller.ts";

// Runs in Node and inside workerd (vitest.workerd.config.ts): login, merge, PET, trigger,
// ratelimit and a dropped connection, using only what both runtimes offer.
it("serves a whole export flow through app.fetch, in any runtime", async () => {
  const sandbox = createSandbox();
  const caller = TestCaller.inProcess(sandbox);
  expect((await caller.login()).status).toBe(200);

  const merged = await caller.call(
    "POST",
    "/v1.3/lists/CONTACTS_LIST/members",
    listMerge(
      ["EMAIL_ADDRESS_", "FIRST_NAME"],
      [
        ["ann@example.com", "Ann"],
        ["bad", "Bad"],
      ],
    ),
  );
  expect((merged.body as { recordData: { records: string[][] } }).recordData.records).toEqual([
    ["470515001"],
    [expect.stringMatching(/^MERGEFAILED: Record 1 = /)],
  ]);

  await caller.call("POST", "/v1.3/lists/CONTACTS_LIST/listExtensions", {
    profileExtension: { objectName: "Lytics_Segments", folderName: "Lists" },
    fields: [{ fieldName: "vip", fieldType: "STR500" }],
  });
  const pet = await caller.call("POST", "/v1.3/lists/CONTACTS_LIST/listExtensions/Lytics_Segments/members", {
    recordData: {
      fieldNames: ["EMAIL_ADDRESS_", "vip"],
      records: [["ann@example.com", "1"]],
      mapTemplateName: null,
    },
    insertOnNoMatch: true,
    updateOnMatch: "REPLACE_ALL",
    matchColumnName1: "EMAIL_ADDRESS",
  });
  expect(pet.status).toBe(200);

  const listName = { folderName: "Lists", objectName: "CONTACTS_LIST" };
  const triggered = await caller.call("POST", "/v1.3/campaigns/Welcome_Series/email", {
    recipientData: [
      { recipient: { emailAddress: "ann@example.com", listName } },
      { recipient: { emailAddress: "zed@example.com", listName } },
    ],
  });
  expect(triggered.body).toEqual([
    { recipientId: 470515001, success: true, errorMessage: null },
    { recipientId: -1, success: false, errorMessage: NO_RECIPIENT_FOUND },
  ]);
  expect((await caller.call("GET", "/rest/api/ratelimit")).status).toBe(200);

  sandbox.injectFault({ kind: "latency", latencyMs: 1 });
  expect((await caller.call("GET", "/v1.3/lists")).status).toBe(200);
  sandbox.injectFault({ kind: "drop_after", match: { api: "Trigger Email" } });
  await expect(
    caller.call("POST", "/v1.3/campaigns/Welcome_Series/email", {
      recipientData: [{ recipient: { emailAddress: "ann@example.com", listName } }],
    }),
  ).rejects.toBeInstanceOf(ConnectionDroppedError);
  expect(sandbox.state.sent()).toHaveLength(2);
});
