import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScaleOutputs } from '../../bench/scale/main-scale';
import { parseRunStages, stageRates } from '../../bench/scale/run-log-stages';
import { runScale, type ScaleResult } from '../../bench/scale/run-scale';
import { mergeScaleSection } from '../../bench/scale/scale-report';

// `pnpm bench --suite scale --quick`, so the scale benchmark cannot rot: both runners on a few lines,
// the thinkbatch run checked for every line in order. No timing is asserted (BENCHMARKS.md has those).
const LINES = 120;
let dir: string;
let result: ScaleResult;
let markdown: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scale-quick-'));
  result = await runScale({ sizes: [LINES], workDir: join(dir, 'work'), timeoutMs: 170_000 });
  const paths = { rawJson: join(dir, 'scale-quick.json'), markdown: join(dir, 'BENCHMARKS.md') };
  await writeScaleOutputs(result, { label: 'quick', title: 'quick', command: 'test' }, paths);
  markdown = await readFile(paths.markdown, 'utf8');
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('pnpm bench --suite scale --quick', () => {
  it('runs thinkbatch end to end: every line once, in input order, every stage seen', () => {
    const run = result.runs.find((r) => r.runner === 'thinkbatch');
    expect(run?.failure ?? null).toBeNull();
    expect(run?.results).toEqual({ lines: LINES, outOfOrder: 0, succeeded: LINES });
    expect(Object.values(run?.stages ?? {}).every((time) => typeof time === 'number')).toBe(true);
    expect(run?.peakRssMiB).toBeGreaterThan(0);
  });

  it('runs the openai loop on the same lines', () => {
    const run = result.runs.find((r) => r.runner === 'openai-loop');
    expect(run?.ok).toBe(true);
    expect(run?.results.succeeded).toBe(LINES);
  });

  it('writes its section between markers the rate benchmark keeps', () => {
    expect(markdown).toMatch(
      /<!-- bench-run:scale-quick -->[\s\S]*\| thinkbatch \| 120 \|[\s\S]*<!-- \/bench-run:scale-quick -->/,
    );
  });
});

describe('scale bench building blocks', () => {
  it('reads the stages from run.log and turns them into lines/s', () => {
    const log = [
      '{"time":"2026-01-01T00:00:00.000Z","level":"info","message":"job created"}',
      'not json',
      '{"time":"2026-01-01T00:00:01.000Z","level":"info","message":"fan-out finished"}',
      '{"time":"2026-01-01T00:00:10.000Z","level":"info","message":"all chunks done; requesting finalize"}',
      '{"time":"2026-01-01T00:00:10.500Z","level":"info","message":"finalizing job"}',
      '{"time":"2026-01-01T00:00:11.000Z","level":"info","message":"job finished"}',
      '{"time":"2026-01-01T00:00:12.000Z","level":"info","message":"job finished"}',
    ].join('\n');
    const stages = parseRunStages(log);
    expect(stages.finished).toBe(Date.parse('2026-01-01T00:00:11.000Z'));
    expect(stageRates(stages, 1000)).toEqual({ fanOut: 1000, processing: 100, finalize: 2000 });
    expect(stageRates(parseRunStages(''), 1000)).toEqual({ fanOut: null, processing: null, finalize: null });
  });

  it('replaces a section of the same label and appends a new one', () => {
    const section = (label: string, body: string) =>
      `<!-- bench-run:scale-${label} -->\n${body}\n<!-- /bench-run:scale-${label} -->\n`;
    const once = mergeScaleSection('# B\n', 'a', section('a', 'one'));
    const twice = mergeScaleSection(once, 'b', section('b', 'two'));
    expect(mergeScaleSection(twice, 'a', section('a', 'three'))).toBe(
      `# B\n\n${section('a', 'three')}\n${section('b', 'two')}`,
    );
  });
});
