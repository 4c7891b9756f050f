import { lineStatus, lineUsage } from '@thinkbatch/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSummaryBuilder, SummaryState } from './job-summary';
import type { ResultLine } from './result-line';

const resultLine: fc.Arbitrary<ResultLine> = fc
  .record({
    status: lineStatus,
    usage: fc.option(lineUsage(10_000), { nil: null }),
    attempts: fc.integer({ min: 0, max: 5 }),
    latency: fc.option(fc.integer({ min: 0, max: 600_000 }), { nil: null }),
    model: fc.option(fc.constantFrom('m1', 'm2', 'm3'), { nil: null }),
    code: fc.constantFrom('attempts_exhausted' as const, 'internal_error' as const),
  })
  .map(({ status, usage, attempts, latency, model, code }) => ({
    custom_id: 'x',
    line: 1,
    status,
    reasoning: null,
    answer: null,
    finish_reason: null,
    usage,
    attempts,
    latency_ms: latency,
    model,
    request_id: null,
    error: status === 'succeeded' ? null : { code, message: 'm' },
  }));

const meta = { jobId: 'j', status: 'completed', startedAt: 0, finishedAt: 1_000 };

describe('summary state (a part of a job counted in another invocation)', () => {
  it('merging the parts builds the summary one pass over every line builds', () => {
    fc.assert(
      fc.property(fc.array(fc.array(resultLine, { maxLength: 3_000 }), { maxLength: 4 }), (parts) => {
        const whole = createSummaryBuilder();
        const merged = createSummaryBuilder();
        for (const part of parts) {
          const builder = createSummaryBuilder();
          for (const line of part) {
            whole.add(line);
            builder.add(line);
          }
          // Through JSON, as it is stored between invocations.
          merged.merge(SummaryState.parse(JSON.parse(JSON.stringify(builder.state()))));
        }
        expect(merged.build(meta)).toEqual(whole.build(meta));
      }),
      { numRuns: 40 },
    );
  });
});
