import { expect, it } from "vitest";
import * as entry from "./index.ts";

// Replaced by the real suite when this workspace is built out.
it("loads its public entry point", () => {
  expect(Object.keys(entry)).toContain("placeholder");
});
