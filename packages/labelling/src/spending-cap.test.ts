import { describe, expect, it } from 'vitest';
import { admitWithinCap, shareOfLimit, spendingLimit, worstCaseCall, worstCaseUsd } from './spending-cap';

describe('the spending cap', () => {
  it('bounds a call by its prompt bytes (a token is at least one byte) and max_tokens', () => {
    expect(worstCaseCall(['héllo'], 100)).toEqual({ promptTokens: 6 + 16, completionTokens: 100 });
    expect(worstCaseCall(['a', 'b'], 10)).toEqual({ promptTokens: 1 + 16 + 1 + 16, completionTokens: 10 });
  });

  it('takes the larger of the token and USD shares', () => {
    const worst = { promptTokens: 1000, completionTokens: 1000 };
    const price = { input: 1, output: 3 };
    expect(worstCaseUsd(worst, price)).toBeCloseTo(0.004, 9);
    expect(shareOfLimit(worst, { tokens: 4000, usd: null, price })).toBe(0.5);
    expect(shareOfLimit(worst, { tokens: 4000, usd: 0.004, price })).toBeCloseTo(1, 9);
  });

  it('admits in order while the sum fits, and none after the first that does not', () => {
    expect(admitWithinCap([3, 3, 1, 3], (n) => n, 7)).toEqual({
      admitted: [3, 3, 1],
      left: [3],
      reserved: 7,
    });
    expect(admitWithinCap([3, 5, 1], (n) => n, 7)).toEqual({ admitted: [3], left: [5, 1], reserved: 3 });
    expect(admitWithinCap([3, 5], (n) => n, null).admitted).toEqual([3, 5]);
  });

  it('refuses a USD cap without a price: it could not be kept', () => {
    expect(() => spendingLimit({ usd: 1 }, null, 'm')).toThrow(/needs a price for model "m"/);
    expect(spendingLimit({ tokens: 5 }, null, 'm')).toEqual({ tokens: 5, usd: null, price: null });
    expect(spendingLimit(undefined, null, 'm')).toBeNull();
  });
});
