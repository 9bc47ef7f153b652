import { expect, it } from "vitest";
import * as entry from "./index.ts";

it("exposes the runner's entry points", () => {
  for (const name of [
    "runCli",
    "loadConfig",
    "openRuntime",
    "runJobOnce",
    "runImportJob",
    "createScheduler",
    "openDatabase",
  ]) {
    expect(typeof (entry as Record<string, unknown>)[name], name).toBe("function");
  }
});
