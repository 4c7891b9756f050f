import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors/thinkbatch-error';
import { createLimiter } from './limiter';

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
