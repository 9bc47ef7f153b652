// A fold worker: reads part files and folds their users into profile shares (fold-part.ts), so the
// main thread is free for the database meanwhile (see fold-workers.ts).
//
// Node loads this file itself (type stripping), as under vitest: erasable TypeScript only.
import { parentPort, workerData } from "node:worker_threads";
import { parseMapping } from "@responsys-bridge/mapping";
import { PartReader } from "../connect-files/partition.ts";
import { type FoldedPart, foldPart, type PartToFold } from "./fold-part.ts";
import { createProfileMapper } from "./profile-mapper.ts";

/** A part to fold, the id its reply goes back under, and memory for its rows (see PartFolds.fold). */
export interface FoldTask {
  id: number;
  part: PartToFold;
  spare?: ArrayBuffer | undefined;
}

export type FoldReply = { id: number; folded: FoldedPart } | { id: number; error: string };

/** What a worker is started with: the mapping's LQL text (see mappingText). */
export interface FoldWorkerData {
  lql: string;
}

const mapper = createProfileMapper(parseMapping((workerData as FoldWorkerData).lql));
const reader = new PartReader();

parentPort?.on("message", async ({ id, part, spare }: FoldTask) => {
  let folded: FoldedPart;
  try {
    folded = await foldPart(mapper, reader.read(part.path), part, spare);
  } catch (error) {
    const reply: FoldReply = { id, error: error instanceof Error ? error.message : String(error) };
    parentPort?.postMessage(reply);
    return;
  }
  const reply: FoldReply = { id, folded };
  // The events' rows are a part's largest result: handed over, not copied.
  parentPort?.postMessage(reply, [folded.eventRows.buffer]);
});
