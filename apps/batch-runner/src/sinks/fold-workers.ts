import type { Worker } from "node:worker_threads";
import { BridgeError } from "@responsys-bridge/core";
import { type Mapping, mappingText } from "@responsys-bridge/mapping";
import { runnerWorker } from "../runner-worker.ts";
import type { FoldedPart, PartFolds, PartToFold } from "./fold-part.ts";
import type { FoldReply, FoldTask, FoldWorkerData } from "./fold-worker.ts";

interface Waiting {
  path: string;
  resolve: (folded: FoldedPart) => void;
  reject: (error: BridgeError) => void;
}

/**
 * Worker threads that fold parts (fold-worker.ts), handed out in turn. Folding is most of the
 * profiles phase's CPU; in workers it runs beside the main thread's database writes, and beside
 * each other on a machine with cores to spare.
 *
 * A worker that dies fails every part it held and every later one: the file fails, and is resumed
 * from its part checkpoint on the next run.
 */
export class FoldWorkers implements PartFolds {
  readonly #workers: Worker[] = [];
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 0;
  #failure: BridgeError | undefined;
  #closed = false;

  constructor(mapping: Mapping, size: number) {
    const data: FoldWorkerData = { lql: mappingText(mapping) };
    for (let index = 0; index < Math.max(1, size); index++) {
      const worker = runnerWorker(new URL("./fold-worker.ts", import.meta.url), data);
      worker.on("message", (reply: FoldReply) => this.#settle(reply));
      worker.on("error", (error) => this.#fail(`a profile fold worker failed: ${error.message}`, error));
      worker.on("exit", (code) => this.#fail(`a profile fold worker exited (code ${code})`));
      this.#workers.push(worker);
    }
  }

  fold(part: PartToFold, spare?: ArrayBuffer): Promise<FoldedPart> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(foldError("the profile fold workers were stopped"));
    const id = this.#nextId++;
    const worker = this.#workers[id % this.#workers.length];
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { path: part.path, resolve, reject });
      const task: FoldTask = { id, part, spare };
      worker?.postMessage(task, spare === undefined ? [] : [spare]);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#fail("the profile fold workers were stopped");
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #settle(reply: FoldReply): void {
    const waiting = this.#waiting.get(reply.id);
    if (waiting === undefined) return;
    this.#waiting.delete(reply.id);
    if ("folded" in reply) waiting.resolve(reply.folded);
    else waiting.reject(foldError(`cannot fold ${waiting.path}: ${reply.error}`));
  }

  #fail(message: string, cause?: unknown): void {
    if (this.#failure !== undefined || (this.#closed && this.#waiting.size === 0)) return;
    this.#failure = foldError(message, cause);
    for (const waiting of this.#waiting.values()) waiting.reject(this.#failure);
    this.#waiting.clear();
  }
}

function foldError(message: string, cause?: unknown): BridgeError {
  return new BridgeError({ code: "IMPORT_FAILED", message, ...(cause === undefined ? {} : { cause }) });
}
