import { BridgeError } from "@responsys-bridge/core";

// The domains Responsys serves logins and APIs from (SPEC §3.2; pods login2/login5.responsys.net,
// login.rsys8.net, login.rsys9.net and global routing `<AccountToken>-api.responsys.ocs.oraclecloud.com`,
// shared/reference/responsys-api.md §1.1).
const RESPONSYS_DOMAINS = ["responsys.net", "rsys8.net", "rsys9.net", "responsys.ocs.oraclecloud.com"];

/**
 * Turns what users copy from Responsys (`login2.responsys.net`, `https://login.rsys8.net/`,
 * `AccountToken-api.responsys.ocs.oraclecloud.com`) into an origin such as
 * `https://login2.responsys.net`. A missing scheme means https. Throws INVALID_LOGIN_URL for
 * anything that is not a plain http(s) origin.
 */
export function normalizeLoginUrl(input: string): string {
  const trimmed = input.trim();
  const invalid = (reason: string) =>
    new BridgeError({
      code: "INVALID_LOGIN_URL",
      message: `Invalid Responsys login URL "${trimmed}": ${reason}.`,
    });
  if (trimmed === "") throw invalid("it is empty");
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalid("it is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid("only https (or http) is allowed");
  if (url.username !== "" || url.password !== "") throw invalid("credentials do not belong in the URL");
  if (url.hostname === "") throw invalid("it has no host");
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    throw invalid("give the host only, without a path, query or fragment");
  }
  return url.origin;
}

/**
 * True for https URLs whose host is under responsys.net, rsys8.net, rsys9.net or
 * responsys.ocs.oraclecloud.com: the only places credentials may be sent in production.
 */
export function isResponsysHost(url: string | URL): boolean {
  let parsed: URL;
  try {
    parsed = typeof url === "string" ? new URL(normalizeLoginUrl(url)) : url;
  } catch {
    return false;
  }
  if (parsed.protocol !== "https:" || parsed.username !== "" || parsed.password !== "") return false;
  const host = parsed.hostname.toLowerCase();
  return RESPONSYS_DOMAINS.some((domain) => host === domain || host.endsWith(`.${domain}`));
}
