import type { BridgeError } from "@responsys-bridge/core";
import type { JobQueue } from "../../durable/job-queue.ts";
import { apiError } from "../../http/errors.ts";
import type { Refusal } from "../../queue/answers.ts";

const JOB_ID = /^job_[0-9a-z]{1,64}$/;

/** The job's queue object, or null for a string that cannot be a job id (no object is woken). */
export function jobQueueFor(env: Env, jobId: string | undefined): DurableObjectStub<JobQueue> | null {
  if (jobId === undefined || !JOB_ID.test(jobId)) return null;
  return env.JOB_QUEUE.get(env.JOB_QUEUE.idFromName(jobId));
}

/** The queue object of a job named in the path, or 404 JOB_NOT_FOUND. */
export function requireJobQueue(env: Env, jobId: string | undefined): DurableObjectStub<JobQueue> {
  const stub = jobQueueFor(env, jobId);
  if (stub === null) throw apiError("JOB_NOT_FOUND", "No job has this id.", 404);
  return stub;
}

/** A refusal answered by the queue object, as the error the envelope renders. */
export function refusalError(refusal: Refusal): BridgeError {
  const options: { retryAfterSeconds?: number; details?: Record<string, unknown> } = {};
  if (refusal.retryAfterSeconds !== undefined) options.retryAfterSeconds = refusal.retryAfterSeconds;
  if (refusal.details !== undefined) options.details = refusal.details;
  return apiError(refusal.code, refusal.message, refusal.status, options);
}
