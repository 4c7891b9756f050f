import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '@thinkbatch/core';
import { createFakeClock } from '../fake-clock';

/**
 * A clock for simulations with many concurrent actors: `sleep` waits until the driver moves time past
 * it, and the driver moves time only when every actor is asleep — when no tracked real I/O (a gate's
 * round trip to DynamoDB, say) is running and no continuation is pending. So a simulated minute runs in
 * milliseconds, deterministically, even against a real store. (The plain fake clock advances on every
 * `sleep`, which is right for one actor but lets concurrent actors each move time on their own.)
 */
export interface VirtualClock extends Clock {
  /** Move time forward, waking sleepers in time order, until `until` (epoch ms) or nothing sleeps. */
  runUntil(until: number): Promise<void>;
  /** Hold time still while `work` (real I/O) runs. */
  track<T>(work: () => Promise<T>): Promise<T>;
}

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly wake: () => void;
}

/** A virtual clock starting at `start` (epoch ms). */
export function createVirtualClock(start?: number): VirtualClock {
  const time = createFakeClock(start);
  const sleepers: Sleeper[] = [];
  let seq = 0;
  let busy = 0;

  const insert = (sleeper: Sleeper): void => {
    let low = 0;
    let high = sleepers.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const other = sleepers[mid];
      if (
        other !== undefined &&
        (other.at < sleeper.at || (other.at === sleeper.at && other.seq < sleeper.seq))
      )
        low = mid + 1;
      else high = mid;
    }
    sleepers.splice(low, 0, sleeper);
  };

  /** Let every runnable continuation run, and wait out tracked I/O. */
  const settle = async (): Promise<void> => {
    do await nextTurn();
    while (busy > 0);
    await nextTurn();
  };

  return {
    now: () => time.now(),
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted === true) {
          reject(signal.reason);
          return;
        }
        seq += 1;
        const onAbort = (): void => {
          const index = sleepers.indexOf(sleeper);
          if (index >= 0) sleepers.splice(index, 1);
          reject(signal?.reason);
        };
        const sleeper: Sleeper = {
          at: time.now() + Math.max(0, ms),
          seq,
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        insert(sleeper);
      }),
    track: async (work) => {
      busy += 1;
      try {
        return await work();
      } finally {
        busy -= 1;
      }
    },
    runUntil: async (until) => {
      for (;;) {
        await settle();
        const next = sleepers[0];
        if (next === undefined || next.at > until) {
          if (until > time.now()) time.advance(until - time.now());
          return;
        }
        sleepers.shift();
        if (next.at > time.now()) time.advance(next.at - time.now());
        next.wake();
      }
    },
  };
}
