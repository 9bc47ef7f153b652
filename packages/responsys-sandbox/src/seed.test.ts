import { describe, expect, it } from "vitest";
import { defaultSeed, SYSTEM_LIST_FIELDS, sandboxSeedSchema } from "./seed.ts";

const list = (extra: Record<string, unknown> = {}) => ({
  name: "L",
  folderName: "F",
  fields: [
    { fieldName: "RIID_", fieldType: "INTEGER" },
    { fieldName: "EMAIL_ADDRESS_", fieldType: "STR500" },
  ],
  ...extra,
});
const users = [{ userName: "u", password: "p" }];

describe("sandboxSeedSchema", () => {
  it("describes SPEC §6's default: sandbox/sandbox, CONTACTS_LIST in Lists, Welcome_Series to it", () => {
    expect(defaultSeed.users).toEqual([{ userName: "sandbox", password: "sandbox" }]);
    expect(defaultSeed.lists.map(({ name, folderName }) => ({ name, folderName }))).toEqual([
      { name: "CONTACTS_LIST", folderName: "Lists" },
    ]);
    expect(defaultSeed.lists[0]?.fields.map((field) => field.fieldName)).toEqual([
      ...SYSTEM_LIST_FIELDS.map((field) => field.fieldName),
      "FIRST_NAME",
      "LAST_NAME",
    ]);
    expect(defaultSeed.campaigns).toEqual([
      {
        id: 101,
        name: "Welcome_Series",
        folderName: "Campaigns",
        type: "EMAIL",
        listName: "CONTACTS_LIST",
        campaignStatus: "ACTIVE",
        purpose: "PROMOTIONAL",
      },
    ]);
  });

  it.each([
    ["no users", { users: [] }, "users"],
    [
      "a campaign sending to a missing list",
      { users, campaigns: [{ name: "C", folderName: "F", listName: "X" }] },
      "campaigns.0.listName",
    ],
    [
      "a list without RIID_",
      { users, lists: [list({ fields: [{ fieldName: "EMAIL_ADDRESS_", fieldType: "STR500" }] })] },
      "lists.0.fields",
    ],
    [
      "an unknown field type",
      { users, lists: [list({ fields: [{ fieldName: "RIID_", fieldType: "BLOB" }] })] },
      "lists.0.fields.0.fieldType",
    ],
    [
      "a member column the list lacks",
      { users, lists: [list({ members: [{ SHOE: "1" }] })] },
      "lists.0.members.0.SHOE",
    ],
    [
      "a non-numeric RIID_",
      { users, lists: [list({ members: [{ RIID_: "abc" }] })] },
      "lists.0.members.0.RIID_",
    ],
    [
      "a RIID_ used twice",
      { users, lists: [list({ members: [{ RIID_: "7" }, { RIID_: "7" }] })] },
      "lists.0.members.1.RIID_",
    ],
    [
      "a PET row without a seeded parent",
      {
        users,
        lists: [
          list({
            members: [{ RIID_: "7" }],
            extensions: [
              {
                objectName: "P",
                folderName: "F",
                fields: [{ fieldName: "X", fieldType: "STR500" }],
                members: [{ RIID_: "8", X: "1" }],
              },
            ],
          }),
        ],
      },
      "lists.0.extensions.0.members.0.RIID_",
    ],
    [
      "a PET row column the PET lacks",
      {
        users,
        lists: [
          list({
            members: [{ RIID_: "7" }],
            extensions: [{ objectName: "P", folderName: "F", fields: [], members: [{ RIID_: "7", Y: "1" }] }],
          }),
        ],
      },
      "lists.0.extensions.0.members.0.Y",
    ],
  ])("refuses %s, naming where", (_, seed, path) => {
    const result = sandboxSeedSchema.safeParse(seed);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join("."))).toContain(path);
  });
});
