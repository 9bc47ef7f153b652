import { describe, expect, it } from "vitest";
import { parseEmailAddress } from "./email-address.ts";
import { urlMain } from "./url-main.ts";

describe("urlMain (Go url.Parse host + path)", () => {
  it.each([
    ["http://www.Google.com/search?q1=golang&q2=github", "www.Google.com/search"],
    ["www.Google.com/?q=golang", "www.Google.com/"],
    ["https://user:pw@Shop.Example.com:8443/a/b#frag", "Shop.Example.com:8443/a/b"],
    ["https://example.com/caf%C3%A9/%7Euser", "example.com/café/~user"],
    ["https://ex%C3%A4mple.com/", "exämple.com/"],
    ["HTTP://EXAMPLE.COM", "EXAMPLE.COM"],
    ["//cdn.example.com/x.js", "cdn.example.com/x.js"],
    ["/relative/path?x=1", "/relative/path"],
    ["http://[::1]:80/x", "[::1]:80/x"],
    ["https://example.com/a/../b/./c", "example.com/a/../b/./c"],
  ])("%s → %s", (url, expected) => {
    expect(urlMain(url)).toBe(expected);
  });

  it.each([
    ["http://192.168.0.%31:8080/", "an ASCII byte escaped in the host"],
    ["http://example.com/%zz", "a malformed escape in the path"],
    ["http://exa mple.com/", "a space in the host"],
    ["http://example.com:80a/", "a port that is not a number"],
    ["http://[::1/", "an unclosed IPv6 bracket"],
    [":foo", "a missing scheme"],
    ["mailto:bob@example.com", "opaque data with no host or path"],
    ["a:b/c", "a scheme without slashes"],
    ["http://example.com/\u0001", "a control character"],
    ["?q=1", "nothing left after the query"],
  ])("%s fails: %s", (url) => {
    expect(urlMain(url)).toBeUndefined();
  });
});

describe("parseEmailAddress (Go net/mail.ParseAddress)", () => {
  it.each([
    ["Bob@Bob.com", "Bob", "Bob.com"],
    ["Bob <bob@bob.com>", "bob", "bob.com"],
    ["Bob<bob@gmail.com>", "bob", "gmail.com"],
    ['"Smith, Bob" <bob.smith@example.co.uk>', "bob.smith", "example.co.uk"],
    ["  first.last+tag@sub.example.com  ", "first.last+tag", "sub.example.com"],
    ['"odd local"@example.com', "odd local", "example.com"],
    ["user@[192.168.0.1]", "user", "[192.168.0.1]"],
    ["josé@exämple.com", "josé", "exämple.com"],
  ])("%s", (text, local, domain) => {
    expect(parseEmailAddress(text)).toEqual({ local, domain });
  });

  it.each([
    "Bob <bob>",
    "Bob <bob@good",
    "",
    "bob",
    "bob@",
    "@example.com",
    "a..b@example.com",
    ".a@example.com",
    "a b@example.com",
    "a@b@c.com",
    "Bob <x@y.com> trailing",
  ])("rejects %j", (text) => {
    expect(parseEmailAddress(text)).toBeUndefined();
  });
});
