import { startSandbox } from "@responsys-bridge/responsys-sandbox/node";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Origin of the Responsys sandbox the integration tests talk to over HTTP. */
    sandboxUrl: string;
    /** "node" or "workerd": the runtime a config promises its tests run in. */
    expectedRuntime: "node" | "workerd";
  }
}

/** Starts one Responsys sandbox in Node on a free port for the whole run (Node and workerd suites). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const running = await startSandbox({ port: 0 });
  project.provide("sandboxUrl", running.url);
  return () => running.close();
}
