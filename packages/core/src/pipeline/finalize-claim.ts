import type { JobRecord } from '../job/job';
import { QUEUE } from '../settings';
import type { PipelineDeps } from './pipeline-deps';

/**
 * Take the right to finalize a job (a lease another finalizer may take over after a crash), or null.
 * Refused because another finalizer holds a live lease: that one may still die, and this request may be
 * the last message for the job, so ask again once the lease has run out (a finished job ignores it).
 */
export async function claimFinalizeOrRetryLater(
  deps: PipelineDeps,
  jobId: string,
): Promise<JobRecord | null> {
  const job = await deps.jobs.claimFinalize(jobId, {
    now: deps.clock.now(),
    leaseMs: deps.config.finalizeLeaseMs,
  });
  if (job !== null) return job;
  const current = await deps.jobs.getJob(jobId);
  if (current === null || current.status !== 'finalizing' || current.finalizeLeaseUntil === null) return null;
  const waitMs = Math.max(0, current.finalizeLeaseUntil - deps.clock.now());
  const delaySeconds = Math.min(QUEUE.maxDelaySeconds, Math.ceil(waitMs / 1000) + 1);
  await deps.queue.send([{ type: 'finalize_job', jobId }], { delaySeconds });
  return null;
}
