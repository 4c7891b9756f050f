import type { SimulatorClock } from '@thinkbatch/simulator';

/** A clock for tests: time stands still until the test moves it, so no test waits on the wall clock. */
export interface ManualClock extends SimulatorClock {
  /** Move time forward by `ms`, waking every sleep that falls due (earliest first). */
  advance(ms: number): void;
  /** Wait (without time passing) until a sleep is pending, then advance exactly to the earliest due one. */
  advanceToNext(): Promise<void>;
  /** Advance from sleep to sleep until `promise` settles; its outcome. */
  runUntil<T>(promise: Promise<T>): Promise<T>;
  /** Resolve once at least `count` sleeps are pending. */
  sleeping(count?: number): Promise<void>;
  /** Sleeps pending now. */
  readonly pending: number;
}

interface Sleeper {
  readonly due: number;
  readonly wake: () => void;
}

/** A `ManualClock` starting at `start` (ms since the epoch). */
export function createManualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start;
  const sleepers = new Set<Sleeper>();
  const watchers = new Set<{ readonly count: number; readonly resolve: () => void }>();

  const notify = (): void => {
    for (const watcher of watchers) {
      if (sleepers.size < watcher.count) continue;
      watchers.delete(watcher);
      watcher.resolve();
    }
  };
  const earliest = (): Sleeper | undefined =>
    [...sleepers].reduce<Sleeper | undefined>(
      (first, s) => (first && first.due <= s.due ? first : s),
      undefined,
    );
  const sleeping = (count = 1): Promise<void> =>
    new Promise((resolve) => {
      watchers.add({ count, resolve });
      notify();
    });
  const advance = (ms: number): void => {
    const target = now + ms;
    for (let next = earliest(); next !== undefined && next.due <= target; next = earliest()) {
      sleepers.delete(next);
      next.wake();
    }
    now = target;
  };

  const advanceToNext = async (): Promise<void> => {
    await sleeping(1);
    const next = earliest();
    if (next !== undefined) advance(next.due - now);
  };

  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        if (ms <= 0) {
          resolve();
          return;
        }
        const onAbort = (): void => {
          sleepers.delete(sleeper);
          reject(signal?.reason);
        };
        const sleeper: Sleeper = {
          due: now + ms,
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        sleepers.add(sleeper);
        signal?.addEventListener('abort', onAbort, { once: true });
        notify();
      }),
    advance,
    advanceToNext,
    runUntil: async (promise) => {
      let settled = false;
      const done = promise.then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );
      while (!settled) await Promise.race([done, advanceToNext()]);
      return promise;
    },
    sleeping,
    get pending() {
      return sleepers.size;
    },
  };
}
