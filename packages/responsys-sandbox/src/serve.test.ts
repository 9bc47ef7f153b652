import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSeedFile, type RunningSandbox, startSandbox } from "./serve.ts";
import { listMerge, TestCaller } from "./test-caller.ts";

describe("startSandbox over real HTTP", () => {
  let running: RunningSandbox;
  let caller: TestCaller;

  beforeAll(async () => {
    running = await startSandbox({ port: 0 });
    caller = new TestCaller((request) => fetch(request), running.url);
  });
  afterAll(() => running.close());

  it("listens on 127.0.0.1 on an ephemeral port and returns its own origin as the login endPoint", async () => {
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const login = await caller.login();
    expect(login).toEqual({
      status: 200,
      body: { authToken: expect.any(String), issuedAt: expect.any(Number), endPoint: running.url },
    });
  });

  it("merges over HTTP", async () => {
    const result = await caller.call(
      "POST",
      "/v1.3/lists/CONTACTS_LIST/members",
      listMerge(["EMAIL_ADDRESS_", "FIRST_NAME"], [["http@example.com", "Hattie"]]),
    );
    expect(result.status).toBe(200);
    expect(running.sandbox.state.members("CONTACTS_LIST")).toEqual([
      expect.objectContaining({ EMAIL_ADDRESS_: "http@example.com", FIRST_NAME: "Hattie" }),
    ]);
  });

  it("drop_before destroys the socket: fetch rejects and nothing is merged", async () => {
    running.sandbox.reset();
    await caller.login();
    running.sandbox.injectFault({ kind: "drop_before", match: { api: "Merge List Recipients" } });
    await expect(
      caller.call(
        "POST",
        "/v1.3/lists/CONTACTS_LIST/members",
        listMerge(["EMAIL_ADDRESS_"], [["x@example.com"]]),
      ),
    ).rejects.toThrow(TypeError);
    expect(running.sandbox.state.members("CONTACTS_LIST")).toEqual([]);
    // The server keeps serving after a drop.
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(200);
  });

  it("drop_after destroys the socket after processing: fetch rejects but the trigger was sent", async () => {
    running.sandbox.reset();
    await caller.login();
    await caller.call(
      "POST",
      "/v1.3/lists/CONTACTS_LIST/members",
      listMerge(["EMAIL_ADDRESS_"], [["y@example.com"]]),
    );
    await fetch(`${running.url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "drop_after", match: { api: "Trigger Email" } }),
    });
    const trigger = caller.call("POST", "/v1.3/campaigns/Welcome_Series/email", {
      recipientData: [
        {
          recipient: {
            emailAddress: "y@example.com",
            listName: { folderName: "Lists", objectName: "CONTACTS_LIST" },
          },
        },
      ],
    });
    await expect(trigger).rejects.toThrow(TypeError);
    expect(running.sandbox.state.sent()).toEqual([
      expect.objectContaining({ emailAddress: "y@example.com" }),
    ]);
    expect(running.sandbox.requests({ api: "Trigger Email" })).toEqual([
      expect.objectContaining({ status: 200, fault: "drop_after" }),
    ]);
  });
});

describe("seed files", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sandbox-seed-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("starts a sandbox from a JSON seed file", async () => {
    const path = join(dir, "seed.json");
    await writeFile(
      path,
      JSON.stringify({
        users: [{ userName: "acme_api", password: "pw" }],
        lists: [
          {
            name: "ACME",
            folderName: "Acme",
            fields: [
              { fieldName: "RIID_", fieldType: "INTEGER" },
              { fieldName: "EMAIL_ADDRESS_", fieldType: "STR500" },
            ],
          },
        ],
        campaigns: [{ name: "Acme_Welcome", folderName: "Acme", listName: "ACME" }],
      }),
    );
    const running = await startSandbox({ seed: await loadSeedFile(path) });
    try {
      const caller = new TestCaller((request) => fetch(request), running.url);
      expect((await caller.login("sandbox", "sandbox")).status).toBe(400);
      expect((await caller.login("acme_api", "pw")).status).toBe(200);
      const campaigns = await caller.call("GET", "/v1.3/campaigns?type=email");
      expect(campaigns.body).toMatchObject({
        campaigns: [{ name: "Acme_Welcome", listName: "ACME", type: "EMAIL" }],
      });
    } finally {
      await running.close();
    }
  });

  it.each([
    ["not JSON", "{", /is not valid JSON/],
    ["without users", JSON.stringify({ lists: [] }), /users/],
    [
      "with a member column the list lacks",
      JSON.stringify({
        users: [{ userName: "u", password: "p" }],
        lists: [
          {
            name: "L",
            folderName: "F",
            fields: [{ fieldName: "RIID_", fieldType: "INTEGER" }],
            members: [{ SHOE: "44" }],
          },
        ],
      }),
      /list L has no field SHOE/,
    ],
  ])("refuses a seed file %s, naming the problem", async (_, content, message) => {
    const path = join(dir, "bad.json");
    await writeFile(path, content);
    await expect(loadSeedFile(path)).rejects.toThrow(message);
  });
});

describe("the CLI (npm run sandbox)", () => {
  // Node itself with tsx's loader, so the child is the server and killing it leaves no grandchild.
  const serve = join(import.meta.dirname, "serve.ts");
  const start = (env: Record<string, string>) =>
    spawn(process.execPath, ["--import", "tsx", serve], {
      cwd: import.meta.dirname,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sandbox-cli-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reads PORT and SANDBOX_SEED, logs its URL, serves the seed, and exits 0 on SIGTERM", async () => {
    const seedPath = join(dir, "seed.json");
    await writeFile(
      seedPath,
      JSON.stringify({
        users: [{ userName: "cli_user", password: "cli_pw" }],
        lists: [
          { name: "CLI_LIST", folderName: "F", fields: [{ fieldName: "RIID_", fieldType: "INTEGER" }] },
        ],
      }),
    );
    const child = start({ PORT: "0", SANDBOX_SEED: seedPath });
    try {
      let output = "";
      child.stdout.setEncoding("utf8");
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (chunk: string) => {
          output += chunk;
          const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
          if (found && /seed: .*\n/.test(output)) resolve(found);
        });
        child.once("exit", (code) => reject(new Error(`sandbox CLI exited with ${code}: ${output}`)));
      });
      expect(output).toContain(seedPath);
      const caller = new TestCaller((request) => fetch(request), url);
      expect((await caller.login("cli_user", "cli_pw")).status).toBe(200);
      expect((await caller.call("GET", "/v1.3/lists")).body).toEqual([
        { name: "CLI_LIST", folderName: "F", fields: [{ fieldName: "RIID_", fieldType: "INTEGER" }] },
      ]);
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      expect((await exited)[0]).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("exits 2 naming the problem when SANDBOX_SEED is not a valid seed", async () => {
    const seedPath = join(dir, "broken.json");
    await writeFile(seedPath, JSON.stringify({ users: [] }));
    const child = start({ PORT: "0", SANDBOX_SEED: seedPath });
    let errors = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      errors += chunk;
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(errors).toMatch(/is not a valid seed:\n\s+users: /);
  });
});
