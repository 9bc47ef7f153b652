import { startSandbox } from "@responsys-bridge/responsys-sandbox/node";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Origin of the Responsys sandbox the tests talk to, e.g. `http://127.0.0.1:40123`. */
    sandboxUrl: string;
    /** A second sandbox used only by the job-queue flush tests (one file), which reset it and inject faults. */
    queueSandboxUrl: string;
    /** A third one for the campaign tests (one file), which arm trigger faults on it. */
    campaignSandboxUrl: string;
  }
}

/**
 * One Responsys sandbox on 127.0.0.1 for the whole run; tests inside workerd reach it over HTTP
 * (`inject("sandboxUrl")`). Many test files log in within a minute, so the login limit is raised;
 * every other API function keeps the sandbox's default limit.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const running = await startSandbox({ port: 0, rateLimits: { Login: 1000 } });
  project.provide("sandboxUrl", running.url);
  const queueSandbox = await startSandbox({ port: 0, rateLimits: { Login: 1000 } });
  project.provide("queueSandboxUrl", queueSandbox.url);
  const campaignSandbox = await startSandbox({ port: 0, rateLimits: { Login: 1000 } });
  project.provide("campaignSandboxUrl", campaignSandbox.url);
  return async () => {
    await Promise.all([running.close(), queueSandbox.close(), campaignSandbox.close()]);
  };
}
