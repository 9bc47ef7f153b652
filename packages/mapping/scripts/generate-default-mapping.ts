// Rewrites src/responsys-events-lql.ts from src/responsys-events.lql. Workers have no file
// system, so the mapping ships as a string module; the .lql file stays the source of truth and
// src/default-mapping.test.ts fails when the two differ.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderLqlModule } from "./render-lql-module.ts";

const lqlPath = fileURLToPath(new URL("../src/responsys-events.lql", import.meta.url));
const modulePath = fileURLToPath(new URL("../src/responsys-events-lql.ts", import.meta.url));
writeFileSync(modulePath, renderLqlModule(readFileSync(lqlPath, "utf8")));
console.log(`wrote ${modulePath}`);
