import { Worker } from "node:worker_threads";

/**
 * A worker thread running one of the runner's own modules (TypeScript). Where Node strips the
 * types itself, the worker starts without the process's options: their module loader
 * (`--import tsx`, where the runner was started through it) made a decryption worker take ~0.7 s
 * to start while the main thread was busy with a download, against ~0.4 s without it (measured on
 * the bench). Where it does not, the worker needs that loader, so it keeps them.
 */
export function runnerWorker(module: URL, workerData: unknown): Worker {
  return new Worker(module, { workerData, ...(process.features.typescript ? { execArgv: [] } : {}) });
}
