import type { JobStore } from '../ports/job-store';

/**
 * Whether a job has been cancelled, read from the job store before every attempt (one small read next
 * to an endpoint call that takes seconds to minutes), so a running delivery stops starting lines and
 * retries as soon as a cancel lands. Once seen, a cancel is remembered.
 */
export function createCancelWatch(
  jobs: Pick<JobStore, 'getJob'>,
  jobId: string,
  initially: boolean,
): () => Promise<boolean> {
  let cancelled = initially;
  return async () => {
    if (!cancelled) cancelled = (await jobs.getJob(jobId))?.cancelRequested ?? false;
    return cancelled;
  };
}
