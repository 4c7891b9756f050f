import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResultLine } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './cli-process';
import { useServeProcess } from './serve-process';

const serve = useServeProcess({
  promptFaults: [
    // The endpoint refuses `fragile` lines the first 2 times (400: no retry), then answers them.
    { match: 'fragile', fault: 'http400', times: 2 },
  ],
});
const tmp = useTempDir('thinkbatch-client-');

const FILE = `${[
  { custom_id: 'a', prompt: 'What is 1+1?' },
  { custom_id: 'f1', prompt: 'fragile one' },
  { custom_id: 'b', prompt: 'What is 2+2?' },
  { custom_id: 'f2', prompt: 'fragile two' },
]
  .map((line) => JSON.stringify(line))
  .join('\n')}\n`;

/** The result lines of a results.jsonl file. */
async function readResults(path: string): Promise<ResultLine[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => ResultLine.parse(JSON.parse(line)));
}

/** The JSON a `--json` command printed (its one line). */
function printedJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim()) as Record<string, unknown>;
}

describe('thinkbatch submit, results, retry and merge against serve', () => {
  it('submits and waits, downloads the files as run does, retries the failed lines and merges them back', async () => {
    const input = join(tmp.path, 'prompts.jsonl');
    await writeFile(input, FILE);

    const submitted = await serve.cli([
      'submit',
      input,
      '--wait',
      '--json',
      '--openai-output',
      '--interval',
      '0.2',
    ]);
    expect(submitted.stderr).toMatch(/submitted/);
    expect(submitted.stderr).toMatch(/ completed 4\/4 lines \(100%\), 2 failed/);
    const parent = printedJson(submitted.stdout);
    expect(parent).toMatchObject({ status: 'completed', progress: { succeeded: 2, failed: 2 } });
    const parentId = String(parent['id']);
    expect(submitted.code).toBe(0);

    // results --out: the same files as run writes (run.log aside), byte for byte what the job stored.
    const out = join(tmp.path, 'parent');
    const results = await serve.cli(['results', parentId, '--out', out]);
    expect([results.code, results.stderr]).toEqual([0, '']);
    expect((await readdir(out)).sort()).toEqual([
      'errors.jsonl',
      'openai-batch-output.jsonl',
      'results.jsonl',
      'summary.json',
    ]);
    const links = await fetch(`${serve.url}/v1/jobs/${parentId}/results`, {
      headers: { authorization: `Bearer ${serve.token}` },
    }).then((response) => response.json() as Promise<{ files: Record<string, { url: string } | null> }>);
    for (const [name, file] of [
      ['results', 'results.jsonl'],
      ['errors', 'errors.jsonl'],
      ['summary', 'summary.json'],
    ] as const) {
      const stored = await fetch(links.files[name]?.url ?? '').then((response) => response.text());
      expect(await readFile(join(out, file), 'utf8')).toBe(stored);
    }
    const parentLines = await readResults(join(out, 'results.jsonl'));
    expect(parentLines.map((r) => [r.custom_id, r.status])).toEqual([
      ['a', 'succeeded'],
      ['f1', 'failed'],
      ['b', 'succeeded'],
      ['f2', 'failed'],
    ]);
    expect(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'))).toMatchObject({
      job_id: parentId,
      counts: { total: 4, succeeded: 2, failed: 2 },
    });

    const retried = await serve.cli(['retry', parentId, '--wait', '--json', '--interval', '0.2']);
    const retry = printedJson(retried.stdout);
    expect(retry).toMatchObject({ status: 'completed', parent_job_id: parentId, progress: { succeeded: 2 } });
    expect(retried.code).toBe(0);

    const mergedDir = join(tmp.path, 'merged');
    const merged = await serve.cli(['merge', parentId, String(retry['id']), '--out', mergedDir]);
    expect([merged.code, merged.stdout]).toEqual([
      0,
      expect.stringContaining('4 succeeded, 0 failed, 0 cancelled, 0 expired'),
    ]);
    const mergedLines = await readResults(join(mergedDir, 'results.jsonl'));
    expect(mergedLines.map((r) => [r.line, r.custom_id, r.status])).toEqual([
      [1, 'a', 'succeeded'],
      [2, 'f1', 'succeeded'],
      [3, 'b', 'succeeded'],
      [4, 'f2', 'succeeded'],
    ]);
    // The parent's own lines are kept as they were; the retried ones are the retry's answers.
    expect(mergedLines[0]).toEqual(parentLines[0]);
    expect(mergedLines[1]?.answer).toBeTruthy();
    expect(await readFile(join(mergedDir, 'errors.jsonl'), 'utf8')).toBe('');

    // A job that is not the retry of the other is refused (checked before anything is written).
    const wrong = await serve.cli(['merge', String(retry['id']), parentId, '--out', mergedDir]);
    expect([wrong.code, wrong.stderr]).toEqual([1, expect.stringContaining('is not a retry of')]);
  });

  it('sends a file that is not valid UTF-8 as bytes (an upload), so its bad line fails as invalid_utf8', async () => {
    const input = join(tmp.path, 'latin1.jsonl');
    const bad = Buffer.concat([Buffer.from('{"prompt": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]);
    await writeFile(input, Buffer.concat([Buffer.from('{"prompt": "fine"}\n'), bad]));
    const submitted = await serve.cli(['submit', input, '--wait', '--json', '--interval', '0.2']);
    const job = printedJson(submitted.stdout);
    expect(job).toMatchObject({ status: 'completed', input: { bytes: 19 + bad.length } });
    const out = join(tmp.path, 'latin1');
    expect((await serve.cli(['results', String(job['id']), '--out', out])).code).toBe(0);
    const lines = await readResults(join(out, 'results.jsonl'));
    expect(lines.map((r) => [r.line, r.status, r.error?.code ?? null])).toEqual([
      [1, 'succeeded', null],
      [2, 'failed', 'invalid_utf8'],
    ]);
  });
});
