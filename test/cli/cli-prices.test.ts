import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { JobSummary } from '@thinkbatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const main = join(root, 'packages/cli/src/main.ts');

/** Run `thinkbatch` in a child process; never throws on a non-zero exit. */
async function thinkbatch(args: string[]) {
  const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' };
  try {
    const { stdout, stderr } = await run(tsx, [main, ...args], { cwd: root, env, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('thinkbatch run --prices', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thinkbatch-prices-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a cost estimate into summary.json and prints it', async () => {
    const out = join(dir, 'priced');
    const prices = 'examples/prices.example.json';
    const result = await thinkbatch([
      'run',
      'examples/quickstart.jsonl',
      '--simulate',
      '--prices',
      prices,
      '--out',
      out,
    ]);
    expect(result.code).toBe(0);
    const summary = JobSummary.parse(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')));
    expect(summary.cost).toMatchObject({ currency: 'USD', partial: false });
    const { usage } = summary;
    const uncached = usage.prompt_tokens - usage.cached_prompt_tokens;
    const expected =
      (uncached * 0.55 + usage.cached_prompt_tokens * 0.14 + usage.completion_tokens * 2.19) / 1e6;
    expect(summary.cost?.total).toBeCloseTo(expected, 6);
    expect(result.stdout).toContain(`estimated cost: $${summary.cost?.total}`);
  });

  it('refuses a prices file that is not a price list before running anything', async () => {
    const bad = join(dir, 'bad-prices.json');
    await writeFile(bad, JSON.stringify({ 'deepseek-ai/deepseek-r1': { input: -1, output: 2 } }));
    const result = await thinkbatch(['run', 'examples/quickstart.jsonl', '--simulate', '--prices', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/invalid price list in .*bad-prices\.json/);
  });
});
