import { createHash } from 'node:crypto';

/** Uniform numbers in [0, 1), reproducible from a seed. */
export type Random = () => number;

/** mulberry32: a small, fast 32-bit generator; good enough for simulation, not for secrets. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A 32-bit seed derived from the simulator seed and any number of strings (e.g. the prompt). */
export function deriveSeed(seed: number, ...parts: readonly string[]): number {
  const hash = createHash('sha256').update(String(seed));
  for (const part of parts) hash.update('\u0000').update(part);
  return hash.digest().readUInt32BE(0);
}

/** A standard normal draw (Box–Muller). */
export function normal(random: Random): number {
  const u = 1 - random(); // (0, 1]: log(0) never happens
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A log-normal draw whose median is `median`. */
export function logNormal(random: Random, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(random));
}
