import { describe, expect, it } from 'vitest';
import { runTypeScript } from '../../bench/child-process';
import { fanOutSeconds, finalizeSeconds } from '../../bench/scale/edges-model';

// The edges bench on enough lines for a segmented finalize (600 chunks: two segments, outputs composed),
// so it cannot rot. No timing is asserted (BENCHMARKS.md has those).
const LINES = 30_000;

describe('bench/scale/edges-bench.ts (quick)', () => {
  it('fans out and finalizes every line once, in order, with the job counter exact', async () => {
    const outcome = await runTypeScript('bench/scale/edges-bench.ts', ['--lines', String(LINES)], 170_000);
    expect(outcome.code, outcome.stderrTail).toBe(0);
    const report = JSON.parse(outcome.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      lines: LINES,
      chunks: LINES / 50,
      resultLines: LINES,
      summaryTotal: LINES,
      progress: { succeeded: LINES },
    });
  }, 180_000);

  it('models the largest job within Lambda: fan-out in one invocation, finalize in segments', () => {
    expect(fanOutSeconds(4_700_000)).toBeLessThan(900);
    expect(fanOutSeconds(4_700_000)).toBeGreaterThan(fanOutSeconds(1_000_000));
    expect(finalizeSeconds(1_000_000, 40_000)).toBeGreaterThan(finalizeSeconds(1_000_000, 300));
  });
});
