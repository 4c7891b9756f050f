import { type GateSimulationOptions, simulateSharedEndpointJob } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { createInMemoryRateGate } from './in-memory-rate-gate';
import { parseRateGateSettings } from './rate-gate-settings';

/** Bench (e): 1,200 requests a minute over a 1 s window, two jobs' holders on one gate. */
const settings = parseRateGateSettings({ requestsPerMinute: 1_200, windowMs: 1_000 });

/** Bench (e) as a job, 8 seeds: 429s a run and goodput ÷ the limit. */
const benchE = (options: Pick<GateSimulationOptions, 'lateAfterCall' | 'reportSendTime'>) =>
  simulateSharedEndpointJob((clock) => createInMemoryRateGate({ key: 'shared', clock, settings }), options);

describe('lateness after the call, seen only in the request’s send time', () => {
  it('bench (e) with one call in a hundred sent 100 ms after it was made: the gate leaves a gap, not a 429', async () => {
    // The permit sees the call made on time; the request leaves 100 ms later (SDK, HTTP path, event
    // loop). Judged by the call time the late request crowds the next window and its 429 pauses both
    // holders for a whole second; judged by the send time the gate moves its schedule instead.
    // (8 seeds: 1.5 429s a run and 0.91 of the limit by the send time, 3 and 0.88 by the call time.)
    const lateAfterCall = { share: 0.01, ms: 100 };
    const bySendTime = await benchE({ lateAfterCall });
    const byCallTime = await benchE({ lateAfterCall, reportSendTime: false });
    const figures = `send time: ${JSON.stringify(bySendTime)}; call time: ${JSON.stringify(byCallTime)}`;
    expect(bySendTime.refusedPerRun, figures).toBeLessThanOrEqual(2);
    expect(bySendTime.goodput, figures).toBeGreaterThanOrEqual(0.9);
    expect(bySendTime.refusedPerRun, figures).toBeLessThan(byCallTime.refusedPerRun);
    expect(bySendTime.allAnswered && byCallTime.allAnswered).toBe(true);
  }, 60_000); // sixteen simulated runs: ~7 s of CPU alone, more on a loaded machine
});
