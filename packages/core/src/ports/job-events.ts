import { z } from 'zod';
import { JobMetadata, JobOutputs, JobStatus } from '../job/job';
import type { Logger } from './logger';

/**
 * A job reached a terminal status and its outputs are written. Published by `finalizeJob` and `failJob`,
 * at least once per job (a re-run of a failed job's outputs publishes again), so a consumer must be
 * idempotent. It carries the job's metadata, so a consumer can pick out the jobs it started.
 */
export const JobFinishedEvent = z.object({
  kind: z.literal('job_finished'),
  jobId: z.string().min(1),
  status: JobStatus,
  metadata: JobMetadata,
  outputs: JobOutputs.nullable(),
});
export type JobFinishedEvent = z.infer<typeof JobFinishedEvent>;

/**
 * Port: where job lifecycle events go (a queue on AWS, a callback in the local runtime), so that what
 * waits for a job — a labelling run — hears of its end instead of polling.
 */
export interface JobEvents {
  jobFinished(event: JobFinishedEvent): Promise<void>;
}

/**
 * Publish a job's end. A failure is logged, not thrown: the job is terminal already and its outputs are
 * written, so a consumer that missed the event finds the job finished when it next looks.
 */
export async function publishJobFinished(
  events: JobEvents | undefined,
  log: Logger,
  job: Pick<JobFinishedEvent, 'jobId' | 'status' | 'metadata' | 'outputs'>,
): Promise<void> {
  if (events === undefined) return;
  const event: JobFinishedEvent = {
    kind: 'job_finished',
    jobId: job.jobId,
    status: job.status,
    metadata: job.metadata,
    outputs: job.outputs,
  };
  try {
    await events.jobFinished(event);
  } catch (error) {
    log.error('could not publish the job finished event', { jobId: job.jobId, error: String(error) });
  }
}
