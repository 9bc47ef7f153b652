import { BridgeError } from "@responsys-bridge/core";

/**
 * Builds a URL path, percent-encoding every interpolated part with encodeURIComponent, so a
 * list, PET or campaign name can never add a path segment or a query string. Empty, `.` and
 * `..` parts are refused outright.
 */
export function path(strings: TemplateStringsArray, ...parts: string[]): string {
  let result = strings[0] ?? "";
  parts.forEach((part, index) => {
    if (part.trim() === "" || part === "." || part === "..") {
      throw new BridgeError({
        code: "INVALID_OBJECT_NAME",
        message: `"${part}" is not a usable Responsys object name.`,
      });
    }
    result += encodeURIComponent(part) + (strings[index + 1] ?? "");
  });
  return result;
}
