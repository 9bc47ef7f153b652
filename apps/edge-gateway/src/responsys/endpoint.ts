import { BridgeError } from "@responsys-bridge/core";
import { isResponsysHost, normalizeLoginUrl } from "@responsys-bridge/responsys-client";

/**
 * The login URL to store for what a user typed: normalised to an origin and, unless custom
 * endpoints are allowed, an https host under the Responsys domains. Throws INVALID_ENDPOINT (400).
 */
export function checkEndpoint(input: string, allowCustomEndpoints: boolean): string {
  let origin: string;
  try {
    origin = normalizeLoginUrl(input);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BridgeError({ code: "INVALID_ENDPOINT", message: `endpoint: ${reason}`, status: 400 });
  }
  if (!allowCustomEndpoints && !isResponsysHost(origin)) {
    throw new BridgeError({
      code: "INVALID_ENDPOINT",
      message:
        `endpoint: ${origin} is not a Responsys host; only https hosts under responsys.net, rsys8.net, ` +
        "rsys9.net and responsys.ocs.oraclecloud.com are accepted.",
      status: 400,
    });
  }
  return origin;
}

/** True when credentials or tokens may be sent to `url` under this configuration. */
export function mayCarryCredentials(url: string, allowCustomEndpoints: boolean): boolean {
  return allowCustomEndpoints || isResponsysHost(new URL(url));
}
