import { beforeEach, describe, expect, inject, it } from "vitest";
import { sandbox, sandboxClient, seedMembers } from "../test/sandbox-control.ts";
import { ResponsysClient } from "./client.ts";

const control = sandbox();

beforeEach(() => control.reset());

describe("ResponsysClient", () => {
  it.each([
    [{ loginUrl: "login2.responsys.net", username: "", password: "p" }, "INVALID_CLIENT_OPTIONS", "username"],
    [
      { loginUrl: "login2.responsys.net", username: "u", password: "p", maxRetries: -1 },
      "INVALID_CLIENT_OPTIONS",
      "maxRetries",
    ],
    [{ loginUrl: "ftp://login2.responsys.net", username: "u", password: "p" }, "INVALID_LOGIN_URL", "https"],
  ])("refuses options %j", (options, code, message) => {
    expect(() => new ResponsysClient(options)).toThrow(
      expect.objectContaining({ code, message: expect.stringContaining(message) }),
    );
  });

  it("runs in the runtime this suite was started for", () => {
    // The workerd config runs these same files inside workerd; prove it is really there.
    const runtime =
      typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers" ? "workerd" : "node";
    expect(runtime).toBe(inject("expectedRuntime"));
  });

  // These wrap the real fetch and then spoil the sandbox's real answer, to see what the client
  // does with a body it cannot read.
  const spoilAnswers = (body: string) => async (input: string, init: RequestInit) => {
    const response = await fetch(input, init);
    if (input.includes("/auth/token")) return response;
    await response.text();
    return new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
  };

  it("a merge answer of an unexpected shape is UNEXPECTED_RESPONSE, not retried", async () => {
    const { client } = sandboxClient(control, { fetch: spoilAnswers('{"recordData":{"records":"nope"}}') });
    const error = await client.lists
      .mergeMembers("CONTACTS_LIST", {
        fieldNames: ["EMAIL_ADDRESS_"],
        records: [["a@example.com"]],
        mergeRule: {
          insertOnNoMatch: true,
          matchColumnName1: "EMAIL_ADDRESS_",
          defaultPermissionStatus: "OPTOUT",
        },
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      kind: "unexpected",
      code: "UNEXPECTED_RESPONSE",
      retryable: false,
      message: expect.stringContaining("recordData.records"),
    });
    expect(await control.requests({ api: "Merge List Recipients" })).toHaveLength(1);
  });

  it("a trigger answer that cannot be read is AMBIGUOUS_DELIVERY: the emails may have gone out", async () => {
    const setup = sandboxClient(control);
    await seedMembers(setup.client, ["ann@example.com"]);
    const { client } = sandboxClient(control, { fetch: spoilAnswers("<html>oops</html>") });
    await expect(
      client.campaigns.triggerEmail("Welcome_Series", [
        { emailAddress: "ann@example.com", listName: { folderName: "Lists", objectName: "CONTACTS_LIST" } },
      ]),
    ).rejects.toMatchObject({ kind: "ambiguous", code: "AMBIGUOUS_DELIVERY" });
    expect((await control.state()).sent).toHaveLength(1);
    expect(await control.requests({ api: "Trigger Email" })).toHaveLength(1);
  });

  it("a trigger answered with fewer results than recipients is ambiguous", async () => {
    const setup = sandboxClient(control);
    await seedMembers(setup.client, ["ann@example.com", "bob@example.com"]);
    const { client } = sandboxClient(control, {
      fetch: spoilAnswers('[{"recipientId":1,"success":true,"errorMessage":null}]'),
    });
    await expect(
      client.campaigns.triggerEmail(
        "Welcome_Series",
        ["ann@example.com", "bob@example.com"].map((emailAddress) => ({
          emailAddress,
          listName: { folderName: "Lists", objectName: "CONTACTS_LIST" },
        })),
      ),
    ).rejects.toMatchObject({
      kind: "ambiguous",
      message: expect.stringContaining("1 results for 2 recipients"),
    });
  });

  it("nothing is sent for an empty batch", async () => {
    const { client } = sandboxClient(control);
    expect(await client.campaigns.triggerEmail("Welcome_Series", [])).toEqual([]);
    expect(
      await client.lists.mergeMembers("CONTACTS_LIST", {
        fieldNames: ["EMAIL_ADDRESS_"],
        records: [],
        mergeRule: {
          insertOnNoMatch: true,
          matchColumnName1: "EMAIL_ADDRESS_",
          defaultPermissionStatus: "OPTOUT",
        },
      }),
    ).toEqual([]);
    expect(await control.requests()).toEqual([]);
  });

  it("a refused connection is a network error for reads and is retried", async () => {
    const { client, sleeps } = sandboxClient(control, { loginUrl: "http://127.0.0.1:9", maxRetries: 1 });
    await expect(client.lists.list()).rejects.toMatchObject({
      kind: "network",
      code: "NETWORK_ERROR",
      retryable: true,
    });
    expect(sleeps).toHaveLength(1);
  });
});
