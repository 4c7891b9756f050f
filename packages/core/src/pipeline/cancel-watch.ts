/** What a delivery knows of its job's cancel (see `createCancelWatch`). */
export interface CancelWatch {
  /** Whether the job is known to be cancelled (no read: asked before every attempt). */
  readonly isCancelled: () => Promise<boolean>;
  /** A claim was refused as `cancelled`: every line of the delivery stops before its next wait. */
  readonly noteCancelled: () => void;
}

/**
 * Whether a job has been cancelled, as one delivery knows it: from the job it read when it started,
 * and from its claims — once a cancel is requested the job store refuses every claim of the job's lines
 * as `cancelled` (`JobStore.claimLineAttempt`), so no line starts a call after it, and the delivery
 * needs no read of the job per line. Once seen, a cancel is remembered, so the delivery's other lines
 * stop before waiting for endpoint capacity.
 */
export function createCancelWatch(initially: boolean): CancelWatch {
  let cancelled = initially;
  return {
    isCancelled: async () => cancelled,
    noteCancelled: () => {
      cancelled = true;
    },
  };
}
