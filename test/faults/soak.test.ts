import { generateSoakScenario } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { runSoak } from './soak-run';

/** The CI soak: a few seeds of a hundred-odd lines; `SOAK_SEED` (with `SOAK_LINES`, `SOAK_JOBS`) replays one. */
const replay = process.env['SOAK_SEED'];
const SEEDS = replay === undefined ? [11, 22, 33] : [Number(replay)];
const LINES = Number(process.env['SOAK_LINES'] ?? 100);
const JOBS = process.env['SOAK_JOBS'] === undefined ? undefined : Number(process.env['SOAK_JOBS']);

describe('the soak: a seeded random mix of every fault', () => {
  it.each(SEEDS)(
    'seed %i: every job ends, every line exactly once, tokens reconcile with the ledger',
    async (seed) => {
      const scenario = generateSoakScenario({
        seed,
        lines: LINES,
        ...(JOBS !== undefined && { jobs: JOBS }),
      });
      const run = await runSoak(scenario);
      console.log(run.text);
      expect(run.check.violations, run.text).toEqual([]);
      // The mix really ran: endpoint faults and emulator faults were injected, and every line has a result.
      expect(Object.keys(run.faults).some((k) => k.startsWith('endpoint '))).toBe(true);
      expect(Object.keys(run.faults).some((k) => /^(s3|sqs|dynamodb) /.test(k))).toBe(true);
      expect(Object.values(run.outcomes).reduce((a, b) => a + b, 0)).toBe(LINES);
    },
  );
});
