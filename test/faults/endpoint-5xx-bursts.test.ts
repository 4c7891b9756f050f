import type { FaultPlan } from '@thinkbatch/simulator';
import { describe, expect, it } from 'vitest';
import { sumPrompt } from '../pipeline/stack';
import { useEndpointCases } from './endpoint-case';

const run = useEndpointCases();

describe('5xx bursts', () => {
  it('lines ride out a burst of 500s and 503s; a line that only ever gets 503 stops at maxAttempts', async () => {
    const prompts = [...Array.from({ length: 7 }, (_, i) => sumPrompt(i, 40)), 'ALWAYS-503 what is 1 + 1?'];
    // The first 10 requests the endpoint gets, whichever lines they are for, fail: a burst.
    const burst: FaultPlan = (ctx) =>
      ctx.requestIndex < 10 ? (ctx.requestIndex % 2 ? 'http500' : 'http503') : null;
    const result = await run({
      prompts,
      simulator: { faultPlan: burst },
      faults: [{ match: 'ALWAYS-503', fault: 'http503' }],
      job: { maxAttempts: 4 },
    });
    const [stuck] = result.results.slice(-1);
    for (const line of result.results.slice(0, -1)) {
      expect(line.status).toBe('succeeded');
      expect(line.attempts).toBe(result.calls(prompts[line.line - 1] ?? '').length);
    }
    expect(result.results.slice(0, -1).some((line) => line.attempts > 1)).toBe(true);
    expect(stuck).toMatchObject({
      status: 'failed',
      attempts: 4,
      usage: null,
      error: { code: 'attempts_exhausted', http_status: 503 },
    });
    expect(result.calls(prompts[7] ?? '')).toHaveLength(4);
    expect(result.report.paidButDiscarded.answers).toBe(0);
  });
});
