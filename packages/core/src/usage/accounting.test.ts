import { lineUsage, makeLineUsage as usage } from '@thinkbatch/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ThinkbatchError } from '../errors/thinkbatch-error';
import { addUsage, emptyUsageTotals, mergeUsageTotals } from './accounting';
import { type LineUsage, USAGE_FIELDS, UsageTotals } from './usage';

const lines = fc.array(lineUsage(), { maxLength: 30 });
const sumAll = (usages: readonly LineUsage[]): UsageTotals => usages.reduce(addUsage, emptyUsageTotals());
const totals = lines.map(sumAll);

describe('addUsage', () => {
  it('sums known fields and counts null fields as unknown', () => {
    const result = [usage(), usage({ reasoning_tokens: null, estimated_reasoning_tokens: 70 })].reduce(
      addUsage,
      emptyUsageTotals(),
    );
    expect(result).toEqual({
      prompt_tokens: 20,
      completion_tokens: 200,
      total_tokens: 220,
      reasoning_tokens: 80,
      cached_prompt_tokens: 0,
      estimated_reasoning_tokens: 70,
      lines_with_usage: 2,
      unknown: {
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
        reasoning_tokens: 1,
        cached_prompt_tokens: 2,
        estimated_reasoning_tokens: 1,
      },
    });
    expect(UsageTotals.parse(result)).toEqual(result);
  });

  it('is pure: the input totals are not modified', () => {
    const before = emptyUsageTotals();
    const after = addUsage(before, usage());
    expect(before).toEqual(emptyUsageTotals());
    expect(after).not.toBe(before);
    expect(after.unknown).not.toBe(before.unknown);
  });

  it('throws a ThinkbatchError instead of losing precision past MAX_SAFE_INTEGER', () => {
    const big = addUsage(emptyUsageTotals(), usage({ prompt_tokens: Number.MAX_SAFE_INTEGER }));
    expect(() => addUsage(big, usage({ prompt_tokens: 1 }))).toThrow(ThinkbatchError);
    expect(() => addUsage(big, usage({ prompt_tokens: 1 }))).toThrow(
      /prompt_tokens .* exceeds Number.MAX_SAFE_INTEGER/,
    );
    expect(addUsage(big, usage({ prompt_tokens: 0 })).prompt_tokens).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('throws on a count that is not a non-negative integer (a bug upstream)', () => {
    expect(() => addUsage(emptyUsageTotals(), usage({ completion_tokens: -1 }))).toThrow(
      /completion_tokens must be a non-negative safe integer, got -1/,
    );
    expect(() => addUsage(emptyUsageTotals(), usage({ completion_tokens: 1.5 }))).toThrow(ThinkbatchError);
  });
});

describe('mergeUsageTotals', () => {
  it('throws past MAX_SAFE_INTEGER', () => {
    const big = addUsage(emptyUsageTotals(), usage({ total_tokens: Number.MAX_SAFE_INTEGER }));
    expect(() => mergeUsageTotals(big, big)).toThrow(/total_tokens/);
  });
});

describe('accounting properties', () => {
  it('the sum is independent of the order lines are added in', () => {
    fc.assert(
      fc.property(
        lines.chain((ls) => fc.tuple(fc.constant(ls), fc.shuffledSubarray(ls, { minLength: ls.length }))),
        ([original, shuffled]) => {
          expect(sumAll(shuffled)).toEqual(sumAll(original));
        },
      ),
    );
  });

  it('merge is commutative and associative, with empty totals as identity', () => {
    fc.assert(
      fc.property(totals, totals, totals, (a, b, c) => {
        expect(mergeUsageTotals(a, b)).toEqual(mergeUsageTotals(b, a));
        expect(mergeUsageTotals(mergeUsageTotals(a, b), c)).toEqual(
          mergeUsageTotals(a, mergeUsageTotals(b, c)),
        );
        expect(mergeUsageTotals(a, emptyUsageTotals())).toEqual(a);
        expect(mergeUsageTotals(emptyUsageTotals(), a)).toEqual(a);
      }),
    );
  });

  it('merging the totals of two halves equals adding all lines', () => {
    fc.assert(
      fc.property(lines, lines, (left, right) => {
        expect(mergeUsageTotals(sumAll(left), sumAll(right))).toEqual(sumAll([...left, ...right]));
      }),
    );
  });

  it('totals equal the sum of known fields and unknown counts equal the number of nulls', () => {
    fc.assert(
      fc.property(lines, (ls) => {
        const result = sumAll(ls);
        expect(result.lines_with_usage).toBe(ls.length);
        for (const field of USAGE_FIELDS) {
          const known = ls.map((l) => l[field]).filter((v): v is number => v !== null);
          expect(result[field]).toBe(known.reduce((s, v) => s + v, 0));
          expect(result.unknown[field]).toBe(ls.length - known.length);
        }
      }),
    );
  });
});
