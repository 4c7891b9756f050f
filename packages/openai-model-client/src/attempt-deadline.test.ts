import type { Clock } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { startAttemptDeadline } from './attempt-deadline';

/** A clock whose sleeps end only when the test says so. */
function manualClock() {
  const sleepers: { ms: number; resolve: () => void; signal: AbortSignal | undefined }[] = [];
  const clock: Clock = {
    now: () => 0,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        sleepers.push({ ms, resolve, signal });
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  };
  return {
    clock,
    sleepers,
    fire: () => {
      for (const sleeper of sleepers) sleeper.resolve();
    },
  };
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('startAttemptDeadline', () => {
  it('times out through the clock and says so', async () => {
    const { clock, sleepers, fire } = manualClock();
    const deadline = startAttemptDeadline(1_234, undefined, clock);
    expect(sleepers.map((sleeper) => sleeper.ms)).toEqual([1_234]);
    expect(deadline.state).toBe('running');
    fire();
    await tick();
    expect(deadline.state).toBe('timed_out');
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as Error).name).toBe('TimeoutError');
  });

  it("follows the caller's signal, and a later timeout does not change the verdict", async () => {
    const { clock, fire } = manualClock();
    const external = new AbortController();
    const deadline = startAttemptDeadline(1_000, external.signal, clock);
    external.abort(new Error('stop'));
    expect(deadline.state).toBe('aborted');
    expect((deadline.signal.reason as Error).message).toBe('stop');
    fire();
    await tick();
    expect(deadline.state).toBe('aborted');
  });

  it('starts aborted for an already aborted signal', () => {
    const { clock } = manualClock();
    expect(startAttemptDeadline(1_000, AbortSignal.abort(), clock).state).toBe('aborted');
  });

  it('after dispose, neither the timer nor the caller can abort it', async () => {
    const { clock, sleepers } = manualClock();
    const external = new AbortController();
    const deadline = startAttemptDeadline(1_000, external.signal, clock);
    deadline.dispose();
    expect(sleepers[0]?.signal?.aborted).toBe(true); // the clock's sleep was cancelled
    external.abort();
    await tick();
    expect(deadline.state).toBe('running');
    expect(deadline.signal.aborted).toBe(false);
  });
});
