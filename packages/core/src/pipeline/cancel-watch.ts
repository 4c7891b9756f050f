import type { Clock } from '../ports/clock';
import type { JobStore } from '../ports/job-store';

/**
 * Whether the job was cancelled. Without options: what the delivery knows, with no read — the claim a
 * line makes before its call is refused as `cancelled` once a cancel is requested, so it needs none.
 * `startedWithinMs` (after a long wait for a permit, the claim made before it): a read that started at
 * most that long ago (and has ended) is answer enough; else a read under way is shared or a new one made.
 */
export type CancelCheck = (options?: { readonly startedWithinMs?: number }) => Promise<boolean>;

/** What a delivery knows of its job's cancel (see `createCancelWatch`). */
export interface CancelWatch {
  readonly isCancelled: CancelCheck;
  /** A claim was refused as `cancelled`: every line of the delivery stops before its next wait. */
  readonly noteCancelled: () => void;
}

/**
 * Whether a job has been cancelled, as one delivery knows it: from the job it read when it started,
 * from its claims (refused as `cancelled` once a cancel is requested: `JobStore.claimLineAttempt`), and
 * from a read of the job only where no claim comes before the call (after a long wait for a permit).
 * Lines that ask while a read is under way share it. Once seen, a cancel is remembered.
 */
export function createCancelWatch(
  jobs: Pick<JobStore, 'getJob'>,
  jobId: string,
  initially: boolean,
  clock?: Pick<Clock, 'now'>,
): CancelWatch {
  let cancelled = initially;
  let reading: Promise<boolean> | null = null;
  /** When the last completed read started (epoch ms). */
  let lastReadStartedAt = Number.NEGATIVE_INFINITY;
  return {
    noteCancelled: () => {
      cancelled = true;
    },
    isCancelled: async (options) => {
      const startedWithinMs = options?.startedWithinMs;
      if (cancelled || startedWithinMs === undefined) return cancelled;
      if (clock !== undefined && clock.now() - lastReadStartedAt <= startedWithinMs) return cancelled;
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
    },
  };
}
