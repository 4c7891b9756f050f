import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSUMPTIONS, costModel } from '../../bench/scale/cost-model';
import { groupOf, packageOf } from '../../bench/scale/cpu-profile-summary';
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
    // The runtime's requests were counted: claims and records go in groups of a chunk's lines, and each
    // group's results in one object, so at least one of each per chunk (and a chunk file each), at most
    // a claim, a record and an object per line (plus the chunk and job steps and the outputs).
    const chunks = Math.ceil(LINES / 50);
    const updates = run?.requests?.['DynamoDB.UpdateItem'] ?? 0;
    const puts = run?.requests?.['S3.PutObject'] ?? 0;
    expect(updates).toBeGreaterThanOrEqual(2 * chunks);
    expect(updates).toBeLessThanOrEqual(2 * LINES + 4 * chunks + 10);
    expect(puts).toBeGreaterThanOrEqual(2 * chunks);
    expect(puts).toBeLessThanOrEqual(LINES + chunks + 10);
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
      /<!-- bench-run:scale-quick -->[\s\S]*\| thinkbatch +\| +120 \|[\s\S]*<!-- \/bench-run:scale-quick -->/,
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

  it('prices the measured requests per 1,000 lines, and one line per invocation beside them', () => {
    const rows = costModel({
      'DynamoDB.UpdateItem': 2000,
      'DynamoDB.UpdateItem (rate gate)': 500,
      'DynamoDB.GetItem': 1000,
      'S3.PutObject': 1000,
      'S3.GetObject': 10,
      'SQS.ReceiveMessage': 50,
    });
    const row = (prefix: string) => rows.find((r) => r.item.startsWith(prefix));
    const seconds = ASSUMPTIONS.lineLatencySeconds * 1000;
    expect(row('Lambda GB')?.thinkbatch.amount).toBe((seconds * ASSUMPTIONS.workerMemoryGb) / 200);
    expect(row('Lambda GB')?.singleLine.amount).toBe(seconds * ASSUMPTIONS.singleLineMemoryGb);
    expect(row('DynamoDB write')?.thinkbatch.amount).toBe(2000 * ASSUMPTIONS.chunkItemWriteUnits + 500);
    expect(row('SQS')?.thinkbatch.amount).toBe(50);
    expect(row('SQS')?.singleLine.amount).toBe(3050);
    expect(row('S3 PUT')?.thinkbatch.usd).toBeCloseTo(0.005, 9);
  });

  it('attributes profile samples to packages and parts of the run', () => {
    const frame = (url: string, functionName = 'f') => ({ url, functionName, lineNumber: 0 });
    expect(packageOf(frame('file:///r/node_modules/.pnpm/x/node_modules/@smithy/core/dist/a.js'))).toBe(
      '@smithy/core',
    );
    expect(packageOf(frame('file:///r/packages/core/src/pipeline/run-chunk.ts'))).toBe('@thinkbatch/core');
    expect(packageOf(frame('', 'stringify'))).toBe('(V8 builtin)');
    expect(groupOf('dynalite')).toBe('DynamoDB emulator (dynalite, LevelDB)');
    expect(groupOf('fauxqs')).toBe('S3/SQS emulator (fauxqs)');
    expect(groupOf('@thinkbatch/core')).toBe('thinkbatch core (pipeline, schemas)');
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
