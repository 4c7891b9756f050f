import { type Clock, systemClock } from '@thinkbatch/core';
import { createManualClock } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { startAttemptDeadline } from './attempt-deadline';

/** Let the deadline's promise callbacks run. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('startAttemptDeadline', () => {
  it('times out through the clock, exactly at the deadline, and says so', async () => {
    const clock = createManualClock();
    const deadline = startAttemptDeadline(1_234, undefined, clock);
    expect(clock.pending).toBe(1);
    clock.advance(1_233);
    await tick();
    expect(deadline.state).toBe('running');
    clock.advance(1);
    await tick();
    expect(deadline.state).toBe('timed_out');
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as Error).name).toBe('TimeoutError');
  });

  it("follows the caller's signal, and a later timeout does not change the verdict", async () => {
    const clock = createManualClock();
    const external = new AbortController();
    const deadline = startAttemptDeadline(1_000, external.signal, clock);
    external.abort(new Error('stop'));
    expect(deadline.state).toBe('aborted');
    expect((deadline.signal.reason as Error).message).toBe('stop');
    clock.advance(1_000);
    await tick();
    expect(deadline.state).toBe('aborted');
  });

  it('starts aborted for an already aborted signal', () => {
    expect(startAttemptDeadline(1_000, AbortSignal.abort(), createManualClock()).state).toBe('aborted');
  });

  it('after dispose, neither the timer nor the caller can abort it', async () => {
    const clock = createManualClock();
    const external = new AbortController();
    const deadline = startAttemptDeadline(1_000, external.signal, clock);
    deadline.dispose();
    expect(clock.pending).toBe(0); // the clock's sleep was cancelled
    external.abort();
    clock.advance(1_000);
    await tick();
    expect(deadline.state).toBe('running');
    expect(deadline.signal.aborted).toBe(false);
  });

  it('dispose cancels its sleep without building a DOMException (one per attempt, never read)', async () => {
    const signals: AbortSignal[] = [];
    const clock: Clock = {
      now: systemClock.now,
      sleep: (ms, signal) => {
        if (signal !== undefined) signals.push(signal);
        return systemClock.sleep(ms, signal);
      },
    };
    startAttemptDeadline(60_000, undefined, clock).dispose();
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).not.toBeInstanceOf(DOMException);
  });
});
