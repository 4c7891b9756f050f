/**
 * Time as the simulator sees it: every wait (latency, slow headers, the pace of a stream) and every
 * timestamp (rate windows, `created`) goes through one, so tests can drive it instead of sleeping.
 * The same shape as `@thinkbatch/core`'s `Clock` port, so either side's clocks fit the other.
 */
export interface SimulatorClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolve after `ms`, or reject with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now` and `setTimeout`. */
export const systemClock: SimulatorClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** Wait `ms` on `clock`; resolve false at once (and early) when the signal aborts, true otherwise. */
export async function sleepUnlessAborted(
  clock: SimulatorClock,
  ms: number,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await clock.sleep(ms, signal);
    return true;
  } catch (error) {
    if (signal.aborted) return false;
    throw error;
  }
}
