import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors/thinkbatch-error';
import { createAdaptiveLimiter, createLimiter } from './limiter';

describe('createLimiter', () => {
  it('never runs more than the limit at once, starts waiting tasks in order, and runs everything', async () => {
    const limiter = createLimiter(3);
    const finish = new Map<number, () => void>();
    const started: number[] = [];
    let active = 0;
    let peak = 0;
    const all = Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          started.push(i);
          active += 1;
          peak = Math.max(peak, active);
          await new Promise<void>((resolve) => finish.set(i, resolve));
          active -= 1;
        }),
      ),
    );
    const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    await settle();
    expect(started).toEqual([0, 1, 2]);
    // Finish the running tasks in a scrambled order: each frees its slot for the next waiting one.
    for (let round = 0; started.length < 20 || active > 0; round += 1) {
      const running = started.filter((i) => finish.has(i));
      const next = running[(round * 7) % running.length];
      if (next === undefined) break;
      finish.get(next)?.();
      finish.delete(next);
      await settle();
      expect(active).toBeLessThanOrEqual(3);
    }
    await all;
    expect(peak).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('frees the slot when a task throws', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 42)).resolves.toBe(42);
  });

  it('rejects a non-positive concurrency', () => {
    expect(() => createLimiter(0)).toThrow(ConfigurationError);
  });
});

describe('createAdaptiveLimiter', () => {
  it('runs the busy tasks plus `ahead`, up to `max`, letting more in as tasks get busy', async () => {
    let busy = 0;
    const limiter = createAdaptiveLimiter({ max: 5, ahead: 2, busy: () => busy });
    const gates: (() => void)[] = [];
    let started = 0;
    const tasks = Array.from({ length: 10 }, () =>
      limiter.run(async () => {
        started += 1;
        await new Promise<void>((resolve) => gates.push(resolve));
      }),
    );
    await Promise.resolve();
    expect(started).toBe(2);
    busy = 2; // both got what they waited for: two more may wait
    limiter.recheck();
    await Promise.resolve();
    expect(started).toBe(4);
    busy = 10; // the bound is `max`
    limiter.recheck();
    await Promise.resolve();
    expect(started).toBe(5);
    expect(limiter.active).toBe(5);
    busy = 0;
    for (let i = 0; i < 10; i += 1) {
      gates.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await Promise.all(tasks);
    expect(started).toBe(10);
    expect(limiter.active).toBe(0);
  });

  it('with aheadPerBusy, lets as many more in ahead as are busy (at least `ahead`)', async () => {
    let busy = 0;
    const limiter = createAdaptiveLimiter({ max: 20, ahead: 2, aheadPerBusy: 1, busy: () => busy });
    const gates: (() => void)[] = [];
    let started = 0;
    const tasks = Array.from({ length: 30 }, () =>
      limiter.run(async () => {
        started += 1;
        await new Promise<void>((resolve) => gates.push(resolve));
      }),
    );
    await Promise.resolve();
    expect(started).toBe(2);
    busy = 6; // six busy: six more may wait, not two
    limiter.recheck();
    await Promise.resolve();
    expect(started).toBe(12);
    busy = 15; // the bound is `max`
    limiter.recheck();
    await Promise.resolve();
    expect(started).toBe(20);
    busy = 0;
    for (let i = 0; i < 30; i += 1) {
      gates.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await Promise.all(tasks);
    expect(started).toBe(30);
  });

  it('rejects bounds that could never run a task', () => {
    expect(() => createAdaptiveLimiter({ max: 0, ahead: 1, busy: () => 0 })).toThrow(ConfigurationError);
    expect(() => createAdaptiveLimiter({ max: 4, ahead: 0, busy: () => 0 })).toThrow(ConfigurationError);
  });
});
