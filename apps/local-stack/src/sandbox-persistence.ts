import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  defaultSeed,
  type Sandbox,
  type SandboxSeed,
  type SandboxSeedInput,
  type StateSnapshot,
  sandboxSeedSchema,
} from "@responsys-bridge/responsys-sandbox";

// A PET lists these first in its fields and fills them itself; a seed must not name them.
const PET_SYSTEM_COLUMNS = new Set(["RIID_", "CREATED_DATE_", "MODIFIED_DATE_"]);

/**
 * The sandbox's data as a seed, so the next start begins where this one stopped: the gateway's
 * D1 and Durable Objects persist, and Responsys would not forget its list either.
 */
export function seedOf(snapshot: StateSnapshot): SandboxSeedInput {
  return {
    users: defaultSeed.users,
    lists: snapshot.lists.map((list) => ({
      ...list,
      extensions: list.extensions.map((extension) => ({
        ...extension,
        fields: extension.fields.filter((field) => !PET_SYSTEM_COLUMNS.has(field.fieldName)),
        members: extension.members.map((member) =>
          Object.fromEntries(
            Object.entries(member).filter(
              ([column]) => column === "RIID_" || !PET_SYSTEM_COLUMNS.has(column),
            ),
          ),
        ),
      })),
    })),
    campaigns: snapshot.campaigns,
  };
}

/** Writes the sandbox's data where `loadSandboxSeed` finds it. */
export async function saveSandboxState(sandbox: Sandbox, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(seedOf(sandbox.state.snapshot()))}\n`, { mode: 0o600 });
}

/** The seed saved by the last stop, or undefined (no file, or one the sandbox would not accept). */
export async function loadSandboxSeed(path: string): Promise<{ seed?: SandboxSeed; problem?: string }> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return {};
  try {
    const parsed = sandboxSeedSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { seed: parsed.data };
    return { problem: parsed.error.issues[0]?.message ?? "invalid seed" };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}
