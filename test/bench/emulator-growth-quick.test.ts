import { describe, expect, it } from 'vitest';
import { runTypeScript } from '../../bench/child-process';

// The emulator growth micro-benchmark on two small stores, so it cannot rot. No timing is asserted
// (BENCHMARKS.md, `scale-1m-notes`, has the figures at 2,000 and 20,000 chunks).
const OPERATIONS = [
  'SQS ReceiveMessage (4) + DeleteMessageBatch',
  'DynamoDB GetItem job',
  'DynamoDB UpdateItem job: complete chunk',
  'S3 GetObject range: a chunk of the input',
];

describe('bench/scale/emulator-growth-bench.ts (quick)', () => {
  it('fills two store sizes and times every per-chunk operation on each', async () => {
    const outcome = await runTypeScript(
      'bench/scale/emulator-growth-bench.ts',
      ['--chunks', '20,40', '--ops', '5'],
      170_000,
    );
    expect(outcome.code, outcome.stderrTail).toBe(0);
    const report = JSON.parse(outcome.stdout) as {
      sizes: number[];
      bySize: Record<string, Record<string, { medianMs: number; cpuMsPerOp: number }>>;
      cpuGrowth: Record<string, number | null>;
    };
    expect(report.sizes).toEqual([20, 40]);
    for (const size of ['20', '40'])
      for (const operation of OPERATIONS)
        expect(report.bySize[size]?.[operation]?.cpuMsPerOp).toBeGreaterThan(0);
    for (const operation of OPERATIONS) expect(report.cpuGrowth[operation]).toBeGreaterThan(0);
  }, 180_000);
});
