import { describe, expect, it } from 'vitest';
import { sumPrompt } from '../pipeline/stack';
import { useEndpointCases } from './endpoint-case';

const run = useEndpointCases();

const CONTEXT_TOO_LONG = {
  kind: 'status',
  status: 400,
  message:
    "This model's maximum context length is 131072 tokens. However, you requested 250000 tokens. Please reduce the length of the messages.",
} as const;

describe('poison lines (the endpoint refuses the request itself)', () => {
  it('a 400 and a context-too-long end at once as one failed line each: one call, no retry, no hand-back, no DLQ', async () => {
    const prompts = [
      sumPrompt(1, 2),
      'POISON-400 please',
      sumPrompt(3, 4),
      'POISON-CONTEXT please',
      sumPrompt(5, 6),
    ];
    const run1 = await run({
      prompts,
      faults: [
        { match: 'POISON-400', fault: 'http400' },
        { match: 'POISON-CONTEXT', fault: CONTEXT_TOO_LONG },
      ],
      job: { maxAttempts: 5 },
    });
    expect(run1.status).toBe('completed');
    const [ok1, bad400, ok2, badContext, ok3] = run1.results;
    for (const ok of [ok1, ok2, ok3]) expect(ok?.status).toBe('succeeded');
    for (const [bad, line] of [
      [bad400, 2],
      [badContext, 4],
    ] as const) {
      expect(bad).toMatchObject({
        status: 'failed',
        attempts: 1,
        usage: null,
        error: { code: 'endpoint_rejected', http_status: 400 },
      });
      expect(bad?.error?.message).toContain(`line ${line}`);
      expect(run1.calls(prompts[line - 1] ?? '')).toHaveLength(1);
    }
    expect(badContext?.error?.message).toContain('maximum context length');
    expect(run1.results.some((r) => r.error?.code === 'dead_lettered')).toBe(false);
    expect(run1.handBacks).toBe(0);
    expect(run1.report.calls).toBe(5);
  });
});
