import type { Clock } from '../ports/clock';

/**
 * The least time between two pushes into the job counter from one invocation (a push is two to four
 * requests). Shared by every chunk an invocation runs, so the counter's cost follows the invocations,
 * not the chunks in flight: at zero latency 40 chunks in flight each pushing once a second cost 1.45
 * requests per line; one push a second per invocation costs about 0.15.
 */
export const PUSH_EVERY_MS = 1_000;

/** Spaces pushes into the job counter: at most one per `everyMs`, whoever asks. */
export interface ProgressPushPacer {
  /** Whether a push may go now; a yes counts as the push. */
  take(): boolean;
}

export function createProgressPushPacer(
  clock: Pick<Clock, 'now'>,
  everyMs: number = PUSH_EVERY_MS,
): ProgressPushPacer {
  let last: number | undefined;
  return {
    take: () => {
      const now = clock.now();
      if (last !== undefined && now - last < everyMs) return false;
      last = now;
      return true;
    },
  };
}
