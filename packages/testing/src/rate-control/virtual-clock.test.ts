import { describe, expect, it } from 'vitest';
import { createVirtualClock } from './virtual-clock';

describe('virtual clock', () => {
  it('wakes sleepers in time order and moves time only between them', async () => {
    const clock = createVirtualClock(0);
    const woke: string[] = [];
    const sleeper = async (name: string, ms: number) => {
      await clock.sleep(ms);
      woke.push(`${name}@${clock.now()}`);
    };
    const all = Promise.all([sleeper('b', 20), sleeper('a', 10), sleeper('c', 20)]);
    await clock.runUntil(15);
    expect(woke).toEqual(['a@10']);
    expect(clock.now()).toBe(15);
    await clock.runUntil(100);
    await all;
    expect(woke).toEqual(['a@10', 'b@20', 'c@20']);
  });

  it('holds time still while tracked real work runs', async () => {
    const clock = createVirtualClock(0);
    const seen: number[] = [];
    const actor = async () => {
      await clock.track(() => new Promise((resolve) => setTimeout(resolve, 20)));
      seen.push(clock.now());
      await clock.sleep(5);
      seen.push(clock.now());
    };
    const run = actor();
    const other = clock.sleep(1).then(() => seen.push(clock.now()));
    await clock.runUntil(50);
    await Promise.all([run, other]);
    expect(seen).toEqual([0, 1, 5]);
  });

  it('rejects a sleep whose signal aborts, and forgets it', async () => {
    const clock = createVirtualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal).then(
      () => 'woke',
      (error: unknown) => String(error),
    );
    controller.abort(new Error('stop'));
    expect(await sleeping).toMatch(/stop/);
    await clock.runUntil(5_000);
    expect(clock.now()).toBe(5_000);
  });
});
