import { describe, expect, it } from 'vitest';
import { sumPrompt } from '../pipeline/stack';
import { useEndpointCases } from './endpoint-case';

const run = useEndpointCases();

describe('connection faults', () => {
  it('a reset before the status, a reset mid-body and a body cut off cost an attempt each, then the line succeeds with the usage of the answer it kept; a body always cut off fails invalid_response', async () => {
    const tags = ['RESET-BEFORE', 'RESET-MID', 'CUT-OFF', 'ALWAYS-CUT', 'CLEAN'] as const;
    const prompts = tags.map((tag, i) => `${tag}: ${sumPrompt(i, 3)}`);
    const result = await run({
      prompts,
      faults: [
        { match: 'RESET-BEFORE:', fault: 'connectionReset', times: 1 },
        { match: 'RESET-MID:', fault: { kind: 'connectionReset', midBody: true }, times: 1 },
        { match: 'CUT-OFF:', fault: 'truncatedBody', times: 2 },
        { match: 'ALWAYS-CUT:', fault: 'truncatedBody' },
      ],
      job: { maxAttempts: 3 },
    });
    expect(result.results.map((r) => [r.status, r.attempts])).toEqual([
      ['succeeded', 2],
      ['succeeded', 2],
      ['succeeded', 3],
      ['failed', 3],
      ['succeeded', 1],
    ]);
    expect(result.calls(prompts[0] ?? '').map((c) => [c.outcome, c.status])).toEqual([
      ['reset', null],
      ['complete', 200],
    ]);
    expect(result.calls(prompts[1] ?? '').map((c) => [c.outcome, c.status])).toEqual([
      ['reset', 200],
      ['complete', 200],
    ]);
    expect(result.calls(prompts[2] ?? '').map((c) => c.outcome)).toEqual([
      'truncated',
      'truncated',
      'complete',
    ]);
    expect(result.results[3]).toMatchObject({ usage: null, error: { code: 'invalid_response' } });
    expect(result.calls(prompts[3] ?? '')).toHaveLength(3);
    expect(result.report.paidButDiscarded.answers).toBe(0);
  });
});
