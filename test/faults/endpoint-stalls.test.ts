import { describe, expect, it } from 'vitest';
import { sumPrompt } from '../pipeline/stack';
import { useEndpointCases } from './endpoint-case';

const run = useEndpointCases();

describe('an endpoint that stalls: slow headers, an endless stream', () => {
  it("the per-attempt timeout ends each stall; the line's next attempt succeeds, an endless line fails after maxAttempts", async () => {
    const tags = ['SLOW-OK', 'SLOW-TIMEOUT', 'ENDLESS-ONCE', 'ENDLESS-ALWAYS'] as const;
    const prompts = tags.map((tag, i) => `${tag}: ${sumPrompt(i, 9)}`);
    const result = await run({
      prompts,
      faults: [
        { match: 'SLOW-OK:', fault: { kind: 'slowHeaders', delayMs: 300 }, times: 1 },
        { match: 'SLOW-TIMEOUT:', fault: { kind: 'slowHeaders', delayMs: 5_000 }, times: 1 },
        { match: 'ENDLESS-ONCE:', fault: 'endlessStream', times: 1 },
        { match: 'ENDLESS-ALWAYS:', fault: 'endlessStream' },
      ],
      job: { maxAttempts: 2, attemptTimeoutMs: 1_000 },
    });
    const [slowOk, slowTimeout, endlessOnce, endlessAlways] = result.results;
    expect(slowOk).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(slowTimeout).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(endlessOnce).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(endlessAlways).toMatchObject({
      status: 'failed',
      attempts: 2,
      usage: null,
      error: { code: 'attempts_exhausted' },
    });
    expect(endlessAlways?.error?.message).toContain('timeout');
    // The client ended every stall: the endpoint saw it go away, nothing was left streaming.
    const endless = result.calls(prompts[3] ?? '');
    expect(endless.map((c) => [c.fault, c.outcome])).toEqual([
      ['endlessStream', 'client_aborted'],
      ['endlessStream', 'client_aborted'],
    ]);
    for (const call of endless) expect(call.endedAt - call.startedAt).toBeLessThan(3_000);
    expect(result.stack.simulator.stats().inFlight).toBe(0);
    expect(result.elapsedMs).toBeLessThan(15_000);
  });
});
