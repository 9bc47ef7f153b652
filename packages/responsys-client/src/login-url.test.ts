import { describe, expect, it } from "vitest";
import { isResponsysHost, normalizeLoginUrl } from "./login-url.ts";

describe("normalizeLoginUrl", () => {
  it.each([
    ["login2.responsys.net", "https://login2.responsys.net"],
    ["https://login2.responsys.net", "https://login2.responsys.net"],
    ["https://login2.responsys.net/", "https://login2.responsys.net"],
    ["  login.rsys8.net/ ", "https://login.rsys8.net"],
    ["https://login.rsys9.net/", "https://login.rsys9.net"],
    [
      "AccountToken-api.responsys.ocs.oraclecloud.com",
      "https://accounttoken-api.responsys.ocs.oraclecloud.com",
    ],
    ["http://127.0.0.1:8790", "http://127.0.0.1:8790"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeLoginUrl(input)).toBe(expected);
  });

  it.each([
    ["", "empty"],
    ["ftp://login2.responsys.net", "https"],
    ["https://user:pw@login2.responsys.net", "credentials"],
    ["https://login2.responsys.net/rest/api/v1.3", "host only"],
    ["https://login2.responsys.net?x=1", "host only"],
    ["https://", "not a URL"],
  ])("refuses %j (%s)", (input, reason) => {
    expect(() => normalizeLoginUrl(input)).toThrow(expect.objectContaining({ code: "INVALID_LOGIN_URL" }));
    expect(() => normalizeLoginUrl(input)).toThrow(new RegExp(reason));
  });
});

describe("isResponsysHost", () => {
  it.each([
    ["login2.responsys.net", true],
    ["https://login5.responsys.net/", true],
    ["login.rsys8.net", true],
    ["https://login.rsys9.net", true],
    ["AccountToken-api.responsys.ocs.oraclecloud.com", true],
    ["https://api5-009.responsys.net", true],
    ["http://login2.responsys.net", false],
    ["https://login2.responsys.net.evil.example", false],
    ["https://evilresponsys.net", false],
    ["https://oraclecloud.com", false],
    ["https://other.ocs.oraclecloud.com", false],
    ["https://127.0.0.1:8790", false],
    ["not a url at all", false],
  ])("%s → %s", (input, expected) => {
    expect(isResponsysHost(input)).toBe(expected);
  });

  it("accepts URL objects", () => {
    expect(isResponsysHost(new URL("https://login2.responsys.net/x"))).toBe(true);
    expect(isResponsysHost(new URL("https://user:pw@login2.responsys.net"))).toBe(false);
  });
});
