import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors/thinkbatch-error';
import { addUsage, emptyUsageTotals } from './accounting';
import { estimateCost, estimateJobCost, PriceTable, parsePriceList } from './cost-estimate';
import type { LineUsage, UsageTotals } from './usage';

function usage(overrides: Partial<LineUsage> = {}): LineUsage {
  return {
    prompt_tokens: 1_000,
    completion_tokens: 10_000,
    total_tokens: 11_000,
    reasoning_tokens: 9_000,
    cached_prompt_tokens: 400,
    estimated_reasoning_tokens: null,
    ...overrides,
  };
}

function totalsOf(...usages: LineUsage[]): UsageTotals {
  return usages.reduce(addUsage, emptyUsageTotals());
}

const R1 = { input: 0.55, output: 2.19 } as const;

describe('estimateCost', () => {
  it('prices prompt tokens as input and all completion tokens (reasoning included) as output', () => {
    expect(estimateCost(totalsOf(usage(), usage()), R1)).toEqual({
      currency: 'USD',
      input: 0.0011, // 2,000 × 0.55 / 1M
      output: 0.0438, // 20,000 × 2.19 / 1M
      total: 0.0449,
      partial: false,
      basis: 'complete: 2 lines',
    });
  });

  it('prices cached prompt tokens at cached_input when given', () => {
    const estimate = estimateCost(totalsOf(usage()), { ...R1, cached_input: 0.14 });
    // 600 × 0.55 + 400 × 0.14 = 330 + 56 = 386 per 1M
    expect(estimate.input).toBe(0.000386);
    expect(estimate.total).toBe(0.022286);
  });

  it('never prices a negative uncached prompt when cached exceeds the known prompt tokens', () => {
    const estimate = estimateCost(totalsOf(usage({ prompt_tokens: null, cached_prompt_tokens: 500 })), {
      ...R1,
      cached_input: 1,
    });
    expect(estimate.input).toBe(0.0005);
  });

  it('rounds to 6 decimals only at the end', () => {
    // Each line alone costs 0.0000004 (rounds to 0); the sum of 3 lines is 0.0000012 → 0.000001.
    const line = usage({ prompt_tokens: 0, completion_tokens: 1, cached_prompt_tokens: 0 });
    const estimate = estimateCost(totalsOf(line, line, line), { input: 0, output: 0.4 });
    expect(estimate.output).toBe(0.000001);
    const split = estimateCost(totalsOf(usage({ prompt_tokens: 1, completion_tokens: 1 })), {
      input: 0.4,
      output: 0.4,
    });
    expect(split).toMatchObject({ input: 0, output: 0, total: 0.000001 });
  });

  it('says the estimate is partial when counts are unknown', () => {
    const totals = totalsOf(usage(), usage({ completion_tokens: null }), usage({ prompt_tokens: null }));
    expect(estimateCost(totals, R1, { linesWithoutUsage: 3 })).toMatchObject({
      partial: true,
      basis: 'partial: 3 lines without usage, 1 line without prompt_tokens, 1 line without completion_tokens',
    });
    expect(estimateCost(emptyUsageTotals(), R1, { linesWithoutUsage: 1 }).basis).toBe(
      'partial: 1 line without usage',
    );
  });

  it('notes lines whose cached count is unknown when cached prices apply', () => {
    const totals = totalsOf(usage({ cached_prompt_tokens: null }));
    expect(estimateCost(totals, { ...R1, cached_input: 0.14 }).basis).toBe(
      'complete: 1 line; 1 line without cached_prompt_tokens priced as uncached',
    );
    expect(estimateCost(totals, R1).basis).toBe('complete: 1 line');
  });

  it('rejects invalid prices with a ConfigurationError', () => {
    const totals = emptyUsageTotals();
    expect(() => estimateCost(totals, { input: -1, output: 1 })).toThrow(ConfigurationError);
    expect(() => estimateCost(totals, { input: -1, output: 1 })).toThrow(
      /invalid price table:\n[\s\S]*→ at input/,
    );
    expect(() => estimateCost(totals, { input: 1, output: Number.POSITIVE_INFINITY })).toThrow(/output/);
    expect(() => estimateCost(totals, { input: 1, output: Number.NaN })).toThrow(ConfigurationError);
    expect(() => estimateCost(totals, { input: 1, output: 1, cached_input: -0.1 })).toThrow(/cached_input/);
    expect(() => estimateCost(totals, R1, { linesWithoutUsage: -1 })).toThrow(/linesWithoutUsage/);
  });

  it('PriceTable rejects unknown keys (a typo must not silently price at 0)', () => {
    expect(PriceTable.safeParse({ input: 1, output: 1, cache_input: 0.1 }).success).toBe(false);
    expect(PriceTable.parse({ input: 0, output: 0 })).toEqual({ input: 0, output: 0 });
  });
});

describe('estimateJobCost', () => {
  const other = { input: 1, output: 1 };

  it("prices each model's usage at its own prices and adds them up", () => {
    const byModel = new Map([
      ['r1', totalsOf(usage(), usage())],
      ['other', totalsOf(usage({ cached_prompt_tokens: null }))],
    ]);
    expect(estimateJobCost(byModel, { r1: R1, other })).toEqual({
      currency: 'USD',
      input: 0.0021, // 2,000 × 0.55 (r1) + 1,000 × 1 (other), per 1M
      output: 0.0538, // 20,000 × 2.19 + 10,000 × 1
      total: 0.0559,
      partial: false,
      basis: 'complete: 3 lines',
    });
  });

  it('names the lines of a model without a price and calls the estimate partial', () => {
    const byModel = new Map([
      ['r1', totalsOf(usage())],
      ['mystery', totalsOf(usage(), usage())],
    ]);
    expect(estimateJobCost(byModel, { r1: R1 }, { linesWithoutUsage: 1 })).toMatchObject({
      total: estimateCost(totalsOf(usage()), R1).total,
      partial: true,
      basis: 'partial: 1 line without usage, 2 lines of mystery without a price',
    });
    expect(estimateJobCost(new Map(), { r1: R1 })).toMatchObject({ total: 0, partial: false });
  });

  it('rejects an invalid price list', () => {
    expect(() => estimateJobCost(new Map(), { r1: { input: -1, output: 1 } })).toThrow(ConfigurationError);
  });
});

describe('parsePriceList', () => {
  it('reads prices per model from JSON', () => {
    expect(parsePriceList('{"deepseek-reasoner": {"input": 0.55, "output": 2.19}}', 'prices.json')).toEqual({
      'deepseek-reasoner': { input: 0.55, output: 2.19 },
    });
  });

  it('names the source when the text is not JSON or not a price list', () => {
    expect(() => parsePriceList('{', 'prices.json')).toThrow(/^prices\.json is not JSON/);
    expect(() => parsePriceList('{"m": {"input": 1}}', 'prices.json')).toThrow(
      /invalid price list in prices\.json:\n[\s\S]*→ at m\.output/,
    );
    expect(() => parsePriceList('{"m": {"input": 1, "output": 1, "cache": 1}}', 'env')).toThrow(
      ConfigurationError,
    );
  });
});
