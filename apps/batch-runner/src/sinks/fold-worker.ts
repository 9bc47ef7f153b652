// A fold worker: reads part files and folds their users into profile shares (fold-part.ts), so the
// main thread is free for the database meanwhile (see fold-workers.ts).
//
// Node loads this file itself (type stripping), as under vitest: erasable TypeScript only.
import { parentPort, workerData } from "node:worker_threads";
import { parseMapping } from "@responsys-bridge/mapping";
import { PartReader } from "../connect-files/partition.ts";
import { type FoldedPart, foldPart } from "./fold-part.ts";
import { createProfileMapper } from "./profile-mapper.ts";

/** A part to fold, by its file, with the columns its values are by. */
export interface FoldTask {
  id: number;
  path: string;
  columns: readonly string[];
}

export type FoldReply = { id: number; folded: FoldedPart } | { id: number; error: string };

/** What a worker is started with: the mapping's LQL text (see mappingText). */
export interface FoldWorkerData {
  lql: string;
}

const mapper = createProfileMapper(parseMapping((workerData as FoldWorkerData).lql));
const reader = new PartReader();

parentPort?.on("message", async (task: FoldTask) => {
  let reply: FoldReply;
  try {
    reply = { id: task.id, folded: await foldPart(mapper, reader.read(task.path), task.columns) };
  } catch (error) {
    reply = { id: task.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
