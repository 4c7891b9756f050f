import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOutputs } from '../../bench/main';
import { type BenchResult, runBench } from '../../bench/run-bench';
import { RUNNER_IDS } from '../../bench/runners/runner';
import { SCENARIO_IDS } from '../../bench/scenarios';

// `pnpm bench --quick`, so the benchmark cannot rot: every scenario and runner, a few lines each, on a
// shorter timescale. Nothing here looks at timings; those are the full run's business (BENCHMARKS.md).
let dir: string;
let result: BenchResult;
let markdown: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-quick-'));
  result = await runBench({ quick: true, workDir: join(dir, 'work'), parallel: 3 });
  const paths = { rawJson: join(dir, 'quick.json'), markdown: join(dir, 'BENCHMARKS.md') };
  await writeOutputs(result, { label: 'quick', title: 'quick', command: 'test' }, paths);
  markdown = await readFile(paths.markdown, 'utf8');
}, 110_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pnpm bench --quick', () => {
  it('runs every runner through every scenario', () => {
    const cells = result.runs.map((run) => `${run.scenario}/${run.runner}`);
    expect(cells.sort()).toEqual(SCENARIO_IDS.flatMap((s) => RUNNER_IDS.map((r) => `${s}/${r}`)).sort());
  });

  it.each(RUNNER_IDS)('%s writes one result per input line in every scenario', (runner) => {
    for (const run of result.runs.filter((r) => r.runner === runner)) {
      for (const job of run.results) {
        expect({ scenario: run.scenario, ...job }).toEqual({
          scenario: run.scenario,
          expected: job.expected,
          written: job.expected,
          uniqueCustomIds: job.expected,
        });
      }
      expect(run.requests).toBeGreaterThanOrEqual(run.lines);
    }
  });

  it('writes the report: a table per scenario and the raw JSON', async () => {
    for (const summary of result.scenarios) {
      expect(markdown).toContain(`### (${summary.scenario.letter}) ${summary.scenario.title}`);
    }
    expect(markdown).toMatch(/<!-- bench-run:quick -->[\s\S]*<!-- \/bench-run:quick -->/);
    const raw = JSON.parse(await readFile(join(dir, 'quick.json'), 'utf8')) as BenchResult;
    expect(raw.runs).toHaveLength(SCENARIO_IDS.length * RUNNER_IDS.length);
  });
});
