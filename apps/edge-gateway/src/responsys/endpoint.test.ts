import { isBridgeError } from "@responsys-bridge/core";
import { describe, expect, it } from "vitest";
import { checkEndpoint, mayCarryCredentials } from "./endpoint.ts";

describe("mayCarryCredentials", () => {
  it.each([
    ["https://login2.responsys.net/rest/api/v1.3/auth/token", false, true],
    ["https://api5-012.responsys.net/rest/api/v1.3/lists", false, true],
    ["https://acme-api.responsys.ocs.oraclecloud.com/rest/api/ratelimit", false, true],
    ["http://login2.responsys.net/rest/api/v1.3/auth/token", false, false],
    ["https://responsys.net.example.com/rest", false, false],
    ["http://127.0.0.1:8790/rest/api/v1.3/lists", false, false],
    ["http://127.0.0.1:8790/rest/api/v1.3/lists", true, true],
  ])("%s with custom endpoints %s → %s", (url, allowCustom, expected) => {
    expect(mayCarryCredentials(url, allowCustom)).toBe(expected);
  });
});

describe("checkEndpoint", () => {
  it("names the endpoint field in its error", () => {
    let thrown: unknown;
    try {
      checkEndpoint("ftp://login2.responsys.net", false);
    } catch (error) {
      thrown = error;
    }
    expect(isBridgeError(thrown, "INVALID_ENDPOINT")).toBe(true);
    expect(String(thrown)).toContain("endpoint:");
  });
});
