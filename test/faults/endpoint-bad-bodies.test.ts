import { describe, expect, it } from 'vitest';
import { sumPrompt } from '../pipeline/stack';
import { useEndpointCases } from './endpoint-case';

const run = useEndpointCases();

describe('200s that are not what they should be', () => {
  it('a non-JSON 200 is retried; a giant 200 is kept whole; missing usage stays unknown, never 0, and unreported reasoning tokens too', async () => {
    const tags = ['GARBAGE-ONCE', 'GARBAGE-ALWAYS', 'GIANT', 'NO-USAGE', 'CLEAN'] as const;
    const prompts = tags.map((tag, i) => `${tag}: ${sumPrompt(i, 11)}`);
    const result = await run({
      prompts,
      faults: [
        { match: 'GARBAGE-ONCE:', fault: 'nonJsonBody', times: 1 },
        { match: 'GARBAGE-ALWAYS:', fault: 'nonJsonBody' },
        { match: 'GIANT:', fault: { kind: 'giantBody', bytes: 2_000_000 } },
        { match: 'NO-USAGE:', fault: 'missingUsage' },
      ],
      // An endpoint without a reasoning parser: it reports no reasoning tokens.
      simulator: { reportReasoningTokens: false },
      job: { maxAttempts: 2 },
    });
    const [garbageOnce, garbageAlways, giant, noUsage, clean] = result.results;
    expect(garbageOnce).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(garbageAlways).toMatchObject({
      status: 'failed',
      attempts: 2,
      usage: null,
      error: { code: 'invalid_response' },
    });
    expect(giant?.status).toBe('succeeded');
    expect(giant?.answer?.length).toBeGreaterThanOrEqual(2_000_000);
    expect(noUsage).toMatchObject({ status: 'succeeded', usage: null });
    expect(clean?.usage?.total_tokens).toBeGreaterThan(0);
    // Reasoning tokens not reported: null, and an estimate marked as such.
    expect(clean?.usage?.reasoning_tokens).toBeNull();
    expect(clean?.usage?.estimated_reasoning_tokens).toBeGreaterThan(0);
  });

  it('an answer past the client’s bound (8 Mi characters) is cut off and fails the line, instead of filling the worker’s memory', async () => {
    const prompts = ['HUGE: tell me everything', sumPrompt(3, 3)];
    const result = await run({
      prompts,
      faults: [{ match: 'HUGE:', fault: { kind: 'giantBody', bytes: 10_000_000 } }],
      job: { maxAttempts: 1 },
    });
    expect(result.results[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      usage: null,
      error: { code: 'invalid_response' },
    });
    expect(result.results[0]?.error?.message).toContain('longer than');
    // One call: the client stopped reading and the line ended. Whether the endpoint had written it all
    // into the socket first is timing; if it had, the checker counts it as paid but discarded.
    const [call] = result.calls(prompts[0] ?? '');
    expect(result.calls(prompts[0] ?? '')).toHaveLength(1);
    expect(result.report.paidButDiscarded.answers).toBe(call?.outcome === 'complete' ? 1 : 0);
    expect(result.results[1]?.status).toBe('succeeded');
  });
});
