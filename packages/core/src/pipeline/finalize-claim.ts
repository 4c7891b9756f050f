import type { JobRecord } from '../job/job';
import { QUEUE } from '../settings';
import type { PipelineDeps } from './pipeline-deps';

/**
 * Take the right to finalize a job (a lease another finalizer may take over after a crash), or null.
 * Refused because another finalizer holds a live lease: that one may still die, and this request may be
 * the last message for the job, so ask again once the lease has run out (a finished job ignores it).
 * `leaseMs` is how long this finalizer may run (its invocation's remaining time). `continuations` is
 * carried by the request sent again.
 */
export async function claimFinalizeOrRetryLater(
  deps: PipelineDeps,
  jobId: string,
  lease: { readonly leaseMs: number; readonly continuations: number },
): Promise<JobRecord | null> {
  const job = await deps.jobs.claimFinalize(jobId, { now: deps.clock.now(), leaseMs: lease.leaseMs });
  if (job !== null) return job;
  const current = await deps.jobs.getJob(jobId);
  if (current === null || current.status !== 'finalizing' || current.finalizeLeaseUntil === null) return null;
  await requestFinalizeAfterLease(deps, current, lease.continuations);
  return null;
}

/** Send a finalize request for just after the job's finalize lease ends (when the next one may be granted). */
export async function requestFinalizeAfterLease(
  deps: PipelineDeps,
  job: Pick<JobRecord, 'jobId' | 'finalizeLeaseUntil'>,
  continuations: number,
): Promise<void> {
  const waitMs = Math.max(0, (job.finalizeLeaseUntil ?? 0) - deps.clock.now());
  const delaySeconds = Math.min(QUEUE.maxDelaySeconds, Math.ceil(waitMs / 1000) + 1);
  await deps.queue.send([{ type: 'finalize_job', jobId: job.jobId, continuations }], { delaySeconds });
}
