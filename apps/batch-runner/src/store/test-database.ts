import { createHash } from "node:crypto";
import { cp, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "./database.ts";
import { MIGRATIONS } from "./migrations.ts";

// A new PGlite data directory costs seconds (initdb inside WebAssembly). Tests copy one migrated
// template instead; its name carries a hash of the migrations, so changed SQL makes a new template.
const TEMPLATE = join(
  tmpdir(),
  `batch-runner-pglite-template-${createHash("sha256").update(JSON.stringify(MIGRATIONS)).digest("hex").slice(0, 12)}`,
);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function ensureTemplate(): Promise<string> {
  if (await exists(join(TEMPLATE, "PG_VERSION"))) return TEMPLATE;
  const building = await mkdtemp(join(tmpdir(), "batch-runner-pglite-building-"));
  const database = await openDatabase({ kind: "pglite", dir: building });
  await database.close();
  // Parallel test files may race to build it: the first rename wins, the others drop their copy.
  await rename(building, TEMPLATE).catch(() => rm(building, { recursive: true, force: true }));
  return TEMPLATE;
}

/** A copy of the migrated template in a new temporary folder: `<root>/db`. */
export async function makeTestDatabaseDir(): Promise<{
  root: string;
  dir: string;
  cleanup(): Promise<void>;
}> {
  const template = await ensureTemplate();
  const root = await mkdtemp(join(tmpdir(), "batch-runner-test-"));
  const dir = join(root, "db");
  await cp(template, dir, { recursive: true });
  return { root, dir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** A migrated PGlite database in its own temporary directory, removed by `cleanup`. */
export async function openTestDatabase(): Promise<{
  database: Database;
  dir: string;
  cleanup(): Promise<void>;
}> {
  const made = await makeTestDatabaseDir();
  const database = await openDatabase({ kind: "pglite", dir: made.dir });
  return {
    database,
    dir: made.root,
    cleanup: async () => {
      await database.close().catch(() => {});
      await made.cleanup();
    },
  };
}

/**
 * Writes a profile as `added` and changes another, stored before, as `changed`, in one
 * transaction; returns the stored rows of both keys, by key. Keys start with `prefix`, so a
 * database shared by several tests keeps them apart.
 */
export async function writeAddedAndChanged(
  database: Database,
  prefix: string,
  at: Date,
): Promise<Array<{ key: string; profile: string; updated_at: Date }>> {
  const older = new Date(at.getTime() - 60_000);
  const key = (name: string) => `${prefix}:${name}`;
  await database.transaction((tx) =>
    tx.writeProfiles({ added: [{ key: key("old"), profile: '{"n":1}' }], changed: [] }, older),
  );
  await database.transaction(async (tx) => {
    const stored = await tx.loadProfiles([key("old"), key("new")]);
    if (stored.has(key("new")) || !stored.has(key("old"))) throw new Error("unexpected stored profiles");
    await tx.writeProfiles(
      {
        added: [{ key: key("new"), profile: '{"n":"é"}' }],
        changed: [{ key: key("old"), profile: '{"n":2}' }],
      },
      at,
    );
  });
  return database.query("SELECT key, profile, updated_at FROM profiles WHERE key LIKE $1 ORDER BY key", [
    `${prefix}:%`,
  ]);
}

/** The collation of `profiles.key`, as the migrations left it. */
export async function profileKeyCollation(database: Database): Promise<string | null> {
  const rows = await database.query<{ collation_name: string | null }>(
    "SELECT collation_name FROM information_schema.columns WHERE table_name = 'profiles' AND column_name = 'key'",
  );
  return rows[0]?.collation_name ?? null;
}
