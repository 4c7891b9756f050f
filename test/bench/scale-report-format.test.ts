import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatWithBiome } from '../../bench/format-with-biome';
import { writeScaleOutputs } from '../../bench/scale/main-scale';
import type { ScaleResult } from '../../bench/scale/run-scale';

// What the scale bench writes passes `pnpm lint` as it is: BENCHMARKS.md and the raw JSON come out as
// Biome lays them out (a file Biome would change is one `biome check` refuses).
const result: ScaleResult = {
  machine: {
    cores: 2,
    cpu: 'AMD EPYC',
    memoryGiB: 8,
    node: 'v24.21.0',
    os: 'linux',
    loadAverage: [1.5, 2, 2.25],
    commit: 'abc1234',
  },
  startedAt: '2026-11-29T23:10:00.000Z',
  flags: ['--rpm', 'none'],
  runs: [
    {
      runner: 'thinkbatch',
      lines: 100_000,
      ok: true,
      failure: null,
      wallMs: 910_500,
      linesPerSecond: 109.8,
      peakRssMiB: 869,
      stages: { created: 0, fanOutFinished: 47, chunksDone: 875, finalizing: 876, finished: 907 },
      stageRates: { fanOut: 2130, processing: 114, finalize: 3225 },
      results: { lines: 100_000, outOfOrder: 0, succeeded: 100_000 },
      requests: { 'S3.PutObject': 58_000, 'DynamoDB.UpdateItem': 89_000 },
      memory: {
        rss: 810,
        heapUsed: 253,
        heapTotal: 348,
        external: 164,
        arrayBuffers: 113,
        rssAnon: 700,
        rssFile: 60,
      },
      memoryTimeline: [
        {
          atS: 0,
          rss: 120,
          heapUsed: 40,
          heapTotal: 60,
          external: 5,
          arrayBuffers: 1,
          rssAnon: 80,
          rssFile: 40,
        },
      ],
    },
  ],
};

let dir: string;
const paths = () => ({ rawJson: join(dir, 'scale-fmt.json'), markdown: join(dir, 'BENCHMARKS.md') });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scale-format-'));
  // An existing file with a hand-written, already formatted section, as BENCHMARKS.md has.
  await writeFile(paths().markdown, '# Benchmarks\n\n| a   |   b |\n| --- | --: |\n| x   |   1 |\n');
  await writeScaleOutputs(result, { label: 'fmt', title: 'Format check', command: 'pnpm bench' }, paths());
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the scale bench writer', () => {
  it('writes BENCHMARKS.md as Biome formats it: padded, aligned tables', async () => {
    const markdown = await readFile(paths().markdown, 'utf8');
    expect(await formatWithBiome(markdown, 'BENCHMARKS.md')).toBe(markdown);
    expect(markdown).toContain('| thinkbatch | 100,000 | 910.5 s |');
    expect(markdown).toMatch(/\| runner {5}\| {3}lines \|/);
  });

  it('writes the raw JSON as Biome formats it', async () => {
    const raw = await readFile(paths().rawJson, 'utf8');
    expect(await formatWithBiome(raw, 'bench/results/scale-fmt.json')).toBe(raw);
    expect(JSON.parse(raw).runs[0].memory.rssAnon).toBe(700);
  });
});
