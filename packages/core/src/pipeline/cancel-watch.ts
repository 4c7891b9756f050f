import type { Clock } from '../ports/clock';
import type { JobStore } from '../ports/job-store';

/**
 * Whether the job was cancelled. `startedWithinMs`: a read that started at most that long ago (and has
 * ended) is answer enough — no new read; without it, a read under way is shared or a new one is made.
 */
export type CancelCheck = (options?: { readonly startedWithinMs?: number }) => Promise<boolean>;

/**
 * Whether a job has been cancelled, read from the job store before every attempt (one small read next
 * to an endpoint call that takes seconds to minutes), so a running delivery stops starting lines and
 * retries as soon as a cancel lands. Lines that ask while a read is under way share it (one read per
 * burst of lines, not one per line); a line that asks for a recent answer gets the last read's if it
 * started recently enough. Once seen, a cancel is remembered.
 */
export function createCancelWatch(
  jobs: Pick<JobStore, 'getJob'>,
  jobId: string,
  initially: boolean,
  clock?: Pick<Clock, 'now'>,
): CancelCheck {
  let cancelled = initially;
  let reading: Promise<boolean> | null = null;
  /** When the last completed read started (epoch ms). */
  let lastReadStartedAt = Number.NEGATIVE_INFINITY;
  return async (options = {}) => {
    if (cancelled) return true;
    const { startedWithinMs } = options;
    if (clock !== undefined && startedWithinMs !== undefined) {
      if (clock.now() - lastReadStartedAt <= startedWithinMs) return cancelled;
    }
    if (reading === null) {
      const startedAt = clock?.now() ?? 0;
      reading = jobs
        .getJob(jobId)
        .then((job) => {
          cancelled ||= job?.cancelRequested ?? false;
          lastReadStartedAt = Math.max(lastReadStartedAt, startedAt);
          return cancelled;
        })
        .finally(() => {
          reading = null;
        });
    }
    return reading;
  };
}
