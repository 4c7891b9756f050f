import type { JobStore } from '../ports/job-store';

/**
 * Whether a job has been cancelled, read from the job store before every attempt (one small read next
 * to an endpoint call that takes seconds to minutes), so a running delivery stops starting lines and
 * retries as soon as a cancel lands. Lines that ask while a read is under way share it (one read per
 * burst of lines, not one per line). Once seen, a cancel is remembered.
 */
export function createCancelWatch(
  jobs: Pick<JobStore, 'getJob'>,
  jobId: string,
  initially: boolean,
): () => Promise<boolean> {
  let cancelled = initially;
  let reading: Promise<boolean> | null = null;
  return async () => {
    if (cancelled) return true;
    reading ??= jobs
      .getJob(jobId)
      .then((job) => {
        cancelled ||= job?.cancelRequested ?? false;
        return cancelled;
      })
      .finally(() => {
        reading = null;
      });
    return reading;
  };
}
