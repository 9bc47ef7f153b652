import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandbox, defaultSeed } from "@responsys-bridge/responsys-sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSandboxSeed, saveSandboxState } from "./sandbox-persistence.ts";

describe("sandbox state across restarts", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sandbox-state-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("restores list members and PET rows saved at the last stop", async () => {
    const list = defaultSeed.lists[0];
    expect(list).toBeDefined();
    if (list === undefined) return;
    const first = createSandbox({
      seed: {
        ...defaultSeed,
        lists: [
          {
            ...list,
            members: [{ RIID_: "470515001", EMAIL_ADDRESS_: "ann.lee0@example.com", FIRST_NAME: "Ann" }],
            extensions: [
              {
                objectName: "Lytics_Segments",
                folderName: "Lists",
                fields: [{ fieldName: "vip_customers", fieldType: "STR500" }],
                members: [{ RIID_: "470515001", vip_customers: "1" }],
              },
            ],
          },
        ],
      },
    });
    const path = join(dir, "sandbox", "state.json");
    await saveSandboxState(first, path);

    const { seed, problem } = await loadSandboxSeed(path);
    expect(problem).toBeUndefined();
    const second = createSandbox({ ...(seed === undefined ? {} : { seed }) });
    expect(second.state.members("CONTACTS_LIST")).toMatchObject([
      { RIID_: "470515001", EMAIL_ADDRESS_: "ann.lee0@example.com", FIRST_NAME: "Ann" },
    ]);
    expect(second.state.extensionMembers("CONTACTS_LIST", "Lytics_Segments")).toMatchObject([
      { RIID_: "470515001", vip_customers: "1" },
    ]);
    expect(second.state.snapshot().campaigns.map((campaign) => campaign.name)).toEqual(["Welcome_Series"]);
  });

  it.each([
    ["no file", undefined, {}],
    ["not JSON", "{", { problem: expect.any(String) }],
    ["not a seed", '{"lists": 3}', { problem: expect.any(String) }],
  ])("starts from the default seed when there is %s", async (_name, text, expected) => {
    const path = join(dir, `${_name.replace(/ /g, "-")}.json`);
    if (text !== undefined) await writeFile(path, text);
    expect(await loadSandboxSeed(path)).toEqual(expected);
  });
});
