import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ceilingFor, meanCeiling } from '../../bench/ceiling';
import { writeOutputs } from '../../bench/main';
import { composeBenchmarksFile } from '../../bench/report';
import { type BenchResult, runBench } from '../../bench/run-bench';
import { RUNNER_IDS } from '../../bench/runners/runner';
import { filterArgs } from '../../bench/runners/thinkbatch-flags';
import { FULL_SCALE, SCENARIO_IDS, type Scenario, scenarios } from '../../bench/scenarios';

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

  it("passes every scenario's thinkbatch flags: the CLI and the two-job driver list them all", () => {
    const thinkbatchRuns = result.runs.filter((run) => run.runner === 'thinkbatch');
    expect(thinkbatchRuns).toHaveLength(SCENARIO_IDS.length);
    for (const run of thinkbatchRuns) {
      expect(
        run.notes.filter((note) => note.includes('dropped')),
        run.scenario,
      ).toEqual([]);
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

// The pure parts the figures rest on: no runs needed.
describe('bench building blocks', () => {
  const full = scenarios(FULL_SCALE);
  const scenario = (id: string): Scenario => {
    const found = full.find((s) => s.id === id);
    if (found === undefined) throw new Error(`no scenario ${id}`);
    return found;
  };

  it('computes each ceiling from the settings (Little’s law)', () => {
    expect(ceilingFor(scenario('rpm'), scenario('rpm').limits)).toEqual({ perSecond: 20, bound: 'requests' });
    const concurrency = ceilingFor(scenario('concurrency'), scenario('concurrency').limits);
    expect(concurrency.bound).toBe('concurrency');
    expect(concurrency.perSecond).toBeCloseTo(8 / (0.3 * Math.exp(0.125)), 6); // 23.5/s
    expect(ceilingFor(scenario('tpm'), scenario('tpm').limits)).toEqual({ perSecond: 10, bound: 'tokens' });
    // The step: 20/s for 15 s, then 7/s (6.67 per window admits 7) for 15 s, then 20/s.
    expect(meanCeiling(scenario('rpm-step'), 10_000, 40_000)).toBeCloseTo(
      (5 * 20 + 15 * 7 + 10 * 20) / 30,
      6,
    );
  });

  it('passes the flags a program lists and drops the others with their values', () => {
    const flags = new Set(['--rpm', '--endpoint']);
    expect(filterArgs(['--rpm', '1200', '--rate-window-ms', '1000', '--endpoint=x'], flags)).toEqual({
      passed: ['--rpm', '1200', '--endpoint=x'],
      dropped: ['--rate-window-ms', '1000'],
    });
  });

  it('replaces the section of a re-run label and adds a new label on top', () => {
    const section = (label: string, body: string) =>
      `<!-- bench-run:${label} -->\n${body}\n<!-- /bench-run:${label} -->\n`;
    const first = composeBenchmarksFile('# H', '', 'before', section('before', 'one'));
    const second = composeBenchmarksFile('# H2', first, 'after', section('after', 'two'));
    const third = composeBenchmarksFile('# H3', second, 'before', section('before', 'three'));
    expect(third).toBe(`# H3\n\n${section('after', 'two')}\n${section('before', 'three')}`);
  });
});
