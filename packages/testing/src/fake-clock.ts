import type { Clock } from '@thinkbatch/core';

/** A clock that only moves when told to (or when something sleeps on it). */
export interface FakeClock extends Clock {
  advance(ms: number): void;
  /** Total ms slept through `sleep`. */
  readonly slept: number;
}

export function createFakeClock(start = Date.UTC(2026, 0, 1)): FakeClock {
  let now = start;
  let slept = 0;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    get slept() {
      return slept;
    },
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      now += ms;
      slept += ms;
    },
  };
}
