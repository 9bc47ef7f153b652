import type { JobQueue } from "../durable/job-queue.ts";

/** The queue object of a job (one per job id). */
export function jobQueueOf(env: Env, jobId: string): DurableObjectStub<JobQueue> {
  return env.JOB_QUEUE.get(env.JOB_QUEUE.idFromName(jobId));
}
