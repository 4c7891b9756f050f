import { ConfigurationError } from '../errors/thinkbatch-error';

/** Runs at most `concurrency` tasks at once; the rest wait in FIFO order. */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
}

export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ConfigurationError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    // Hand the slot straight to the next waiter, so a newcomer cannot take it in between.
    if (next !== undefined) next();
    else active -= 1;
  };
  return {
    run: async (task) => {
      if (active >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
      else active += 1;
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}

/** Options of {@link createAdaptiveLimiter}. */
export interface AdaptiveLimiterOptions {
  /** Most tasks running at once, whatever `busy` says (the memory bound). */
  readonly max: number;
  /** Tasks let in beyond the busy ones: those waiting for what the busy ones hold (≥ 1). */
  readonly ahead: number;
  /**
   * More tasks let in ahead as more are busy: at least `aheadPerBusy × busy` (rounded up), so that tasks
   * with work of their own to do before they wait (job store round trips) keep up with a large number
   * of busy ones. @default 0
   */
  readonly aheadPerBusy?: number;
  /** Running tasks that hold what they waited for (lines holding an endpoint permit). */
  readonly busy: () => number;
}

/** A limiter whose bound moves: call `recheck` when `busy` may have grown. */
export interface AdaptiveLimiter extends Limiter {
  /** Let waiting tasks in if the bound grew. */
  recheck(): void;
  /** Tasks running now. */
  readonly active: number;
}

/**
 * Runs as many tasks at once as are busy plus `ahead`, never more than `max`; the rest wait in FIFO
 * order. For lines in flight that follow the endpoint's rate gate: a line holding a permit is busy, and
 * `ahead` lines wait for permits, so the invocation carries as many lines as the gate grants slots.
 */
export function createAdaptiveLimiter(options: AdaptiveLimiterOptions): AdaptiveLimiter {
  const { max, ahead, busy } = options;
  const aheadPerBusy = Math.max(0, options.aheadPerBusy ?? 0);
  for (const [name, value] of [
    ['max', max],
    ['ahead', ahead],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ConfigurationError(`${name} must be a positive integer, got ${value}`);
    }
  }
  let active = 0;
  const waiting: (() => void)[] = [];
  const bound = (): number => {
    const running = busy();
    return Math.min(max, running + Math.max(ahead, Math.ceil(aheadPerBusy * running)));
  };
  const admit = (): void => {
    while (active < bound()) {
      const next = waiting.shift();
      if (next === undefined) return;
      active += 1;
      next();
    }
  };
  return {
    get active() {
      return active;
    },
    recheck: admit,
    run: async (task) => {
      if (active < bound() && waiting.length === 0) active += 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        active -= 1;
        admit();
      }
    },
  };
}
