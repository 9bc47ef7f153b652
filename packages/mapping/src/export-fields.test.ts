import { describe, expect, it } from "vitest";
import * as mapping from "./index.ts";

describe("export helpers", () => {
  it.each([
    ["email_last_open_ts", "email_last_open_ts"],
    ["last_channel_activities", "last_channel_activities"],
    ["sms_first_opt_out_ts.long.name.over.thirty", "sms_first_opt_out_ts_long_name"],
    ["2fa-enabled", "F_2fa_enabled"],
  ])("responsysFieldName(%s) = %s", (name, expected) => {
    expect(mapping.responsysFieldName(name)).toBe(expected);
    expect(mapping.responsysFieldName(name).length).toBeLessThanOrEqual(30);
  });

  it("hashEmail normalises and hashes as Responsys expects", () => {
    // md5("hello") and sha256("hello") are well-known digests.
    expect(mapping.hashEmail("  HELLO ", "md5")).toBe("5d41402abc4b2a76b9719d911017c592");
    expect(mapping.hashEmail("Hello", "sha256")).toBe(
      "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    );
  });

  it("exposes the SPEC §5 API", () => {
    for (const name of [
      "evaluate",
      "parseMapping",
      "applyEvent",
      "mergeProfiles",
      "identityOf",
      "responsysFieldName",
      "hashEmail",
    ]) {
      expect(typeof Reflect.get(mapping, name)).toBe("function");
    }
    expect(mapping.defaultResponsysMapping.fields).toHaveLength(53);
  });
});
