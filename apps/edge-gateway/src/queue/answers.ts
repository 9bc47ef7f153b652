import type { CampaignStatus } from "../campaign/campaign-queue.ts";

// What the job queue's RPC methods answer: values the routes turn into HTTP, never exceptions,
// so a refused webhook is an expected outcome and not an error crossing the RPC boundary.

export type RefusalStatus = 400 | 401 | 404 | 409 | 413 | 429 | 503;

/** Details a refusal may carry; plain values, so they cross the RPC boundary typed. */
export type RefusalDetails = Record<string, string | number | boolean | null>;

export interface Refusal {
  ok: false;
  status: RefusalStatus;
  code: string;
  message: string;
  retryAfterSeconds?: number;
  details?: RefusalDetails;
}

export interface IngestCounts {
  accepted: number;
  duplicates: number;
  ignored: number;
}

export type IngestAnswer = ({ ok: true } & IngestCounts) | Refusal;

export function refusal(
  status: RefusalStatus,
  code: string,
  message: string,
  extra: { retryAfterSeconds?: number; details?: RefusalDetails } = {},
): Refusal {
  return { ok: false, status, code, message, ...extra };
}

/** True for a refusal answer (and not for a report that happens to have an `ok` count). */
export function isRefusal(answer: object): answer is Refusal {
  return "ok" in answer && answer.ok === false && "status" in answer && "code" in answer;
}

export const jobNotFound = (): Refusal => refusal(404, "JOB_NOT_FOUND", "No job has this id.");

/** The job's state as `GET /v1/jobs/:id/status` shows it (SPEC §3.2). */
export interface JobStatus {
  state: "running" | "paused" | "failing";
  queued: number;
  oldestQueuedAt: string | null;
  nextFlushAt: string | null;
  totals: {
    received: number;
    duplicates: number;
    ignored: number;
    sent: number;
    rejected: number;
    flushes: number;
    apiCalls: number;
  };
  lastFlush: { at: string; users: number; ok: number; failed: number; durationMs: number } | null;
  lastError: { at: string; code: string; message: string } | null;
  deadLetters: number;
  /** Campaign jobs only: their entries, exits and the Lytics scan backfill. */
  campaign?: CampaignStatus;
}

export interface FlushReport {
  users: number;
  ok: number;
  failed: number;
  batches: number;
  error: { code: string; message: string } | null;
}

export interface DeadLetterItem {
  id: number;
  /** The stored user (JSON text parsed by the route, so it crosses the RPC boundary as a string). */
  user: string;
  reason: string;
  code: string;
  at: string;
  attempts: number;
}

export interface DeadLetterPage {
  items: DeadLetterItem[];
  next: string | null;
}

export interface ReplayReport {
  replayed: number;
  /** Dead letters that were tried and still cannot be queued (they stay, attempts counted). */
  stillFailing: number;
  notFound: number[];
  /** Dead letters this replay did not reach (over its limit); replay again to take them. */
  remaining: number;
}
