import { describe, expect, it } from 'vitest';
import { sumPrompt } from '../pipeline/stack';
import { useEndpointCases } from './endpoint-case';

const run = useEndpointCases();

describe('connection faults', () => {
  it('a reset before the status, a reset mid-body and a body cut off cost one attempt each, then the line succeeds with the usage of the answer it kept', async () => {
    const tags = ['RESET-BEFORE', 'RESET-MID', 'CUT-OFF', 'CLEAN'] as const;
    const prompts = tags.map((tag, i) => `${tag}: ${sumPrompt(i, 3)}`);
    const result = await run({
      prompts,
      faults: [
        { match: 'RESET-BEFORE:', fault: 'connectionReset', times: 1 },
        { match: 'RESET-MID:', fault: { kind: 'connectionReset', midBody: true }, times: 1 },
        { match: 'CUT-OFF:', fault: 'truncatedBody', times: 2 },
      ],
    });
    expect(result.results.map((r) => [r.status, r.attempts])).toEqual([
      ['succeeded', 2],
      ['succeeded', 2],
      ['succeeded', 3],
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
    expect(result.report.paidButDiscarded.answers).toBe(0);
  });

  it('a line whose body is always cut off fails invalid_response after maxAttempts, with no usage', async () => {
    const prompts = ['ALWAYS-CUT: hello', sumPrompt(2, 2)];
    const result = await run({
      prompts,
      faults: [{ match: 'ALWAYS-CUT:', fault: 'truncatedBody' }],
      job: { maxAttempts: 2 },
    });
    expect(result.results[0]).toMatchObject({
      status: 'failed',
      attempts: 2,
      usage: null,
      error: { code: 'invalid_response' },
    });
    expect(result.results[1]?.status).toBe('succeeded');
  });
});
