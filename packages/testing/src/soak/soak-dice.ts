import { seededRandom } from '../rate-control/simulated-endpoint';

/** Seeded draws for a soak scenario: the same seed gives the same draws, in the same order. */
export interface SoakDice {
  /** Uniform in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** A number in [min, max). */
  between(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `count` distinct integers of [0, n), ascending. */
  sample(n: number, count: number): number[];
}

export function createSoakDice(seed: number): SoakDice {
  const random = seededRandom(seed);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  return {
    next: random,
    int,
    between: (min, max) => min + random() * (max - min),
    chance: (p) => random() < p,
    pick: (items) => {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new RangeError('pick from an empty list');
      return item;
    },
    sample: (n, count) => {
      const chosen = new Set<number>();
      const wanted = Math.min(Math.max(0, count), n);
      while (chosen.size < wanted) chosen.add(int(0, n - 1));
      return [...chosen].sort((a, b) => a - b);
    },
  };
}
