import { lineStatus, lineUsage } from '@thinkbatch/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LineStatus } from '../results/result-line';
import { addUsage, emptyUsageTotals } from '../usage/accounting';
import type { LineUsage } from '../usage/usage';
import { emptyChunkCounters } from './chunk';
import { addChunkCounters, addLineCountsInPlace, type CountedLine, lineCounterDelta } from './line-counters';

const line: fc.Arbitrary<CountedLine> = fc.record({
  status: lineStatus,
  attempts: fc.nat({ max: 20 }),
  usage: fc.option(lineUsage(), { nil: null }),
});

describe('lineCounterDelta', () => {
  it('adds 1 to the status, the attempts, the retries beyond the first, and the usage', () => {
    const reported: LineUsage = {
      prompt_tokens: 5,
      completion_tokens: 7,
      total_tokens: null,
      reasoning_tokens: 3,
      cached_prompt_tokens: 0,
      estimated_reasoning_tokens: null,
    };
    expect(lineCounterDelta({ status: 'failed', attempts: 3, usage: reported })).toEqual({
      ...emptyChunkCounters(),
      failed: 1,
      attempts: 3,
      retries: 2,
      usage: addUsage(emptyUsageTotals(), reported),
    });
    expect(lineCounterDelta({ status: 'expired', attempts: 0, usage: null })).toEqual({
      ...emptyChunkCounters(),
      expired: 1,
    });
  });

  it('refuses attempts that are not a non-negative safe integer', () => {
    for (const attempts of [-1, 1.5, Number.NaN, 2 ** 53])
      expect(() => lineCounterDelta({ status: 'succeeded', attempts, usage: null })).toThrow(
        expect.objectContaining({ code: 'invalid_value' }),
      );
  });

  it("added in place line after line, gives the sum of the lines' deltas", () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const inPlace = emptyChunkCounters();
        for (const l of lines) addLineCountsInPlace(inPlace, l);
        const summed = lines.reduce(
          (acc, l) => addChunkCounters(acc, lineCounterDelta(l)),
          emptyChunkCounters(),
        );
        expect(inPlace).toEqual(summed);
      }),
    );
  });

  it('added in place, a line it refuses leaves the counters as they were', () => {
    const counters = lineCounterDelta({ status: 'succeeded', attempts: 2, usage: null });
    const before = structuredClone(counters);
    const usage = { ...lineUsage0(), completion_tokens: -1 };
    expect(() => addLineCountsInPlace(counters, { status: 'failed', attempts: 1, usage })).toThrow();
    const huge = { ...lineUsage0(), prompt_tokens: Number.MAX_SAFE_INTEGER };
    addLineCountsInPlace(counters, { status: 'failed', attempts: 1, usage: huge });
    const after = structuredClone(counters);
    expect(() => addLineCountsInPlace(counters, { status: 'failed', attempts: 1, usage: huge })).toThrow(
      /exceeds Number.MAX_SAFE_INTEGER/,
    );
    expect(counters).toEqual(after);
    expect(after.failed).toBe(before.failed + 1);
  });

  it('summed over lines in any order, counts each line once by every measure', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        const forward = lines.reduce(
          (acc, l) => addChunkCounters(acc, lineCounterDelta(l)),
          emptyChunkCounters(),
        );
        const backward = [...lines]
          .reverse()
          .reduce((acc, l) => addChunkCounters(acc, lineCounterDelta(l)), emptyChunkCounters());
        expect(backward).toEqual(forward);
        const of = (status: LineStatus): number => lines.filter((l) => l.status === status).length;
        expect(forward).toMatchObject({
          succeeded: of('succeeded'),
          failed: of('failed'),
          cancelled: of('cancelled'),
          expired: of('expired'),
          attempts: lines.reduce((sum, l) => sum + l.attempts, 0),
          retries: lines.reduce((sum, l) => sum + Math.max(0, l.attempts - 1), 0),
        });
        expect(forward.usage.lines_with_usage).toBe(lines.filter((l) => l.usage !== null).length);
      }),
    );
  });

  it('addChunkCounters has the empty counters as identity and refuses to overflow', () => {
    const one = lineCounterDelta({ status: 'succeeded', attempts: 2, usage: null });
    expect(addChunkCounters(emptyChunkCounters(), one)).toEqual(one);
    const huge = { ...one, attempts: Number.MAX_SAFE_INTEGER };
    expect(() => addChunkCounters(huge, one)).toThrow(/overflow: attempts/);
  });
});

function lineUsage0(): LineUsage {
  return {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    reasoning_tokens: 0,
    cached_prompt_tokens: 0,
    estimated_reasoning_tokens: 0,
  };
}
