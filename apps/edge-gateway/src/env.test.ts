import { isBridgeError } from "@responsys-bridge/core";
import { describe, expect, it } from "vitest";
import { type ConfigBindings, readConfig } from "./env.ts";

const valid = {
  ADMIN_TOKEN: "a-long-enough-admin-token",
  SECRETS_KEY: btoa(String.fromCharCode(...new Uint8Array(32).fill(7))),
};

describe("readConfig", () => {
  it("applies the documented defaults", () => {
    const config = readConfig({ ...valid });
    expect(config).toMatchObject({
      adminToken: valid.ADMIN_TOKEN,
      flushIntervalSeconds: 600,
      batchSize: 200,
      maxQueuedUsers: 1_000_000,
      allowCustomEndpoints: false,
    });
    expect(config.secretsKey).toHaveLength(32);
  });

  it("reads vars given as strings", () => {
    const config = readConfig({
      ...valid,
      FLUSH_INTERVAL_SECONDS: "30",
      BATCH_SIZE: "50",
      MAX_QUEUED_USERS: "10",
      ALLOW_CUSTOM_ENDPOINTS: "true",
    });
    expect(config).toMatchObject({
      flushIntervalSeconds: 30,
      batchSize: 50,
      maxQueuedUsers: 10,
      allowCustomEndpoints: true,
    });
  });

  const bad: Array<[string, ConfigBindings, string]> = [
    ["missing ADMIN_TOKEN", { SECRETS_KEY: valid.SECRETS_KEY }, "ADMIN_TOKEN is missing"],
    ["short ADMIN_TOKEN", { ...valid, ADMIN_TOKEN: "short" }, "ADMIN_TOKEN must be at least 16"],
    ["missing SECRETS_KEY", { ADMIN_TOKEN: valid.ADMIN_TOKEN }, "SECRETS_KEY is missing"],
    ["SECRETS_KEY not base64", { ...valid, SECRETS_KEY: "not base64 !!" }, "SECRETS_KEY must be base64"],
    ["SECRETS_KEY of 16 bytes", { ...valid, SECRETS_KEY: btoa("0123456789abcdef") }, "exactly 32 bytes"],
    ["BATCH_SIZE over 200", { ...valid, BATCH_SIZE: "201" }, "BATCH_SIZE"],
    ["BATCH_SIZE zero", { ...valid, BATCH_SIZE: "0" }, "BATCH_SIZE"],
    ["FLUSH_INTERVAL_SECONDS not a number", { ...valid, FLUSH_INTERVAL_SECONDS: "ten" }, "FLUSH_INTERVAL"],
    ["MAX_QUEUED_USERS negative", { ...valid, MAX_QUEUED_USERS: "-1" }, "MAX_QUEUED_USERS"],
    ["ALLOW_CUSTOM_ENDPOINTS yes", { ...valid, ALLOW_CUSTOM_ENDPOINTS: "yes" }, "ALLOW_CUSTOM_ENDPOINTS"],
  ];

  it.each(bad)("rejects %s with BAD_ENVIRONMENT", (_name, bindings, expected) => {
    let thrown: unknown;
    try {
      readConfig(bindings);
    } catch (error) {
      thrown = error;
    }
    expect(isBridgeError(thrown, "BAD_ENVIRONMENT")).toBe(true);
    expect(String((thrown as Error).message)).toContain(expected);
  });

  it("never echoes a secret value in its error", () => {
    const token = "sixteen-chars-but-bad ";
    const key = btoa("secret-key-value");
    let message = "";
    try {
      readConfig({ ADMIN_TOKEN: token, SECRETS_KEY: key });
    } catch (error) {
      message = error instanceof Error ? error.message : "";
    }
    expect(message).toContain("ADMIN_TOKEN");
    expect(message).not.toContain(token.trim());
    expect(message).not.toContain(key);
  });
});
