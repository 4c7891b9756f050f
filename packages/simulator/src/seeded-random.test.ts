import { describe, expect, it } from 'vitest';
import { deriveSeed, logNormal, mulberry32 } from './seeded-random';

describe('mulberry32', () => {
  it('replays the same sequence for the same seed and differs for another', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first);
  });

  it('stays in [0, 1) and spreads over the interval', () => {
    const random = mulberry32(7);
    const draws = Array.from({ length: 10_000 }, () => random());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const mean = draws.reduce((sum, x) => sum + x, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });
});

describe('deriveSeed', () => {
  it('depends on the seed and on every part', () => {
    expect(deriveSeed(1, 'a', 'b')).toBe(deriveSeed(1, 'a', 'b'));
    expect(deriveSeed(1, 'a', 'b')).not.toBe(deriveSeed(2, 'a', 'b'));
    expect(deriveSeed(1, 'ab')).not.toBe(deriveSeed(1, 'a', 'b'));
  });
});

describe('logNormal', () => {
  it('has the requested median', () => {
    const random = mulberry32(3);
    const draws = Array.from({ length: 4_001 }, () => logNormal(random, 100, 0.8)).sort((x, y) => x - y);
    const median = draws[2_000] ?? 0;
    expect(median).toBeGreaterThan(90);
    expect(median).toBeLessThan(110);
    expect(draws.every((x) => x > 0)).toBe(true);
  });
});
