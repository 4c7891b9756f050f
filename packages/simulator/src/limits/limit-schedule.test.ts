import { describe, expect, it } from 'vitest';
import { type EndpointLimits, phaseIndexAt, resolveLimitPhases } from './limit-schedule';

const BASE: EndpointLimits = { requestsPerMinute: 1200, tokensPerMinute: null, maxConcurrency: 8 };

describe('resolveLimitPhases', () => {
  it('applies steps in time order on top of the phase before, null lifting a limit', () => {
    const phases = resolveLimitPhases(BASE, [
      { atMs: 40_000, requestsPerMinute: 1200, maxConcurrency: null },
      { atMs: 20_000, requestsPerMinute: 400, tokensPerMinute: 90_000 },
    ]);
    expect(phases).toEqual([
      { atMs: 0, requestsPerMinute: 1200, tokensPerMinute: null, maxConcurrency: 8 },
      { atMs: 20_000, requestsPerMinute: 400, tokensPerMinute: 90_000, maxConcurrency: 8 },
      { atMs: 40_000, requestsPerMinute: 1200, tokensPerMinute: 90_000, maxConcurrency: null },
    ]);
    expect([0, 19_999, 20_000, 39_999, 40_000, 1e9].map((ms) => phaseIndexAt(phases, ms))).toEqual([
      0, 0, 1, 1, 2, 2,
    ]);
  });

  it('lets a step at 0 replace the base limits', () => {
    expect(resolveLimitPhases(BASE, [{ atMs: 0, requestsPerMinute: 10 }])).toEqual([
      { ...BASE, atMs: 0, requestsPerMinute: 10 },
    ]);
  });

  it('rejects negative times and limits that are not positive', () => {
    expect(() => resolveLimitPhases(BASE, [{ atMs: -1 }])).toThrow(/atMs must be >= 0/);
    expect(() => resolveLimitPhases(BASE, [{ atMs: 9 }, { atMs: 5, tokensPerMinute: 0 }])).toThrow(
      /limitSchedule\[1\]\.tokensPerMinute must be > 0/,
    );
    expect(() => resolveLimitPhases({ ...BASE, requestsPerMinute: -3 }, [])).toThrow(/requestsPerMinute/);
  });
});
