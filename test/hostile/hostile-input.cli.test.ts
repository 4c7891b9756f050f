import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ResultLine } from '@thinkbatch/core';
import { createSimulatorHarness } from '@thinkbatch/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { thinkbatch, useTempDir } from '../cli/cli-process';
import { binaryBytes } from './hostile-cases';

const simulators = createSimulatorHarness();
afterAll(simulators.closeAll);

async function resultsIn(out: string): Promise<ResultLine[]> {
  const text = await readFile(join(out, 'results.jsonl'), 'utf8');
  return text === ''
    ? []
    : text
        .trimEnd()
        .split('\n')
        .map((line) => ResultLine.parse(JSON.parse(line)));
}

const prompt = (text: string): string => JSON.stringify({ prompt: text });
const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/**
 * Flags for the simulator the test started, which limits nothing. The in-flight limit is given: with
 * an unknown one, runs against a simulator answering in ~0 ms stalled here (on main too, with a valid
 * key: a rate-control matter, reported).
 */
const fastEndpoint = (url: string, key: string): string[] => [
  '--endpoint',
  url,
  '--api-key',
  key,
  '--rpm',
  '6000',
  '--max-in-flight',
  '8',
];

describe('thinkbatch run on hostile input (CLI, embedded runtime, simulated endpoint)', () => {
  const tmp = useTempDir('thinkbatch-hostile-');

  it('runs the valid lines of a hostile file and gives every other line a line-numbered error', async () => {
    const lines = [
      prompt('first'),
      '\u0000\u0000',
      `{"prompt":"${'x'.repeat(50 * 1024 * 1024)}"}`, // one 50 MB line
      'not json',
      nested(200_000),
      `{"custom_id":"deep","method":"POST","url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":"hi"}],"x":${nested(50_000)}}}`,
      '{"__proto__":{"x":1},"prompt":"p"}',
      '{"prompt":5}',
      '{"prompt":"x","temperature":7}',
      '{"custom_id":"../../etc/passwd","prompt":"dots"}',
      '{"custom_id":"ctl\\u0000\\u001b[31m","prompt":"controls"}',
      prompt('last'),
    ];
    const input = join(tmp.path, 'hostile.jsonl');
    const invalidUtf8 = Buffer.from([0x7b, 0x22, 0x70, 0xff, 0xfe, 0x22, 0x7d, 0x0a]); // {"p\xff\xfe"}
    await writeFile(
      input,
      Buffer.concat([
        Buffer.from(`${lines.slice(0, 3).join('\n')}\n`),
        invalidUtf8,
        Buffer.from(`${lines.slice(3).join('\n')}\n`),
      ]),
    );
    const out = join(tmp.path, 'hostile-out');
    const result = await thinkbatch(['run', input, '--simulate', '--out', out]);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.code).toBe(0);
    const results = await resultsIn(out);
    expect(results.map((r) => [r.line, r.status, r.error?.code ?? null])).toEqual([
      [1, 'succeeded', null],
      [2, 'failed', 'invalid_json'],
      [3, 'failed', 'line_too_large'],
      [4, 'failed', 'invalid_utf8'],
      [5, 'failed', 'invalid_json'],
      [6, 'failed', 'invalid_json'],
      [7, 'failed', 'invalid_request'],
      [8, 'failed', 'invalid_request'],
      [9, 'failed', 'invalid_request'],
      [10, 'failed', 'invalid_request'],
      [11, 'succeeded', null],
      [12, 'succeeded', null],
      [13, 'succeeded', null],
    ]);
    expect(results[6]?.error?.message).toMatch(/^line 7: body\.x(\[0\])+ is nested deeper than 64 levels$/);
    expect(results[7]?.error?.message).toBe('line 8: key "__proto__" is not allowed (at __proto__)');
    expect(results.map((r) => r.custom_id).slice(10, 12)).toEqual([
      '../../etc/passwd',
      'ctl\u0000\u001b[31m',
    ]);
    expect((await readdir(out)).sort()).toEqual(['errors.jsonl', 'results.jsonl', 'run.log', 'summary.json']);
  });

  it('fails a binary file at once with one job-level message (exit 1)', async () => {
    const input = join(tmp.path, 'binary.jsonl');
    await writeFile(input, binaryBytes(256 * 1024));
    const out = join(tmp.path, 'binary-out');
    const result = await thinkbatch(['run', input, '--simulate', '--out', out]);
    expect(result.code).toBe(1);
    const errors = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('thinkbatch: job') && line.includes('failed'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /failed: input_not_jsonl: the input is not JSONL: \d+ of its first \d+ lines are not JSON/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await resultsIn(out)).toEqual([]);
  });

  it('reads a gzip-compressed file transparently, with the same results as the plain one', async () => {
    const text = `${[prompt('alpha'), '', prompt('beta'), '{"broken": ', prompt('gamma')].join('\n')}\n`;
    const plain = join(tmp.path, 'plain.jsonl');
    const zipped = join(tmp.path, 'zipped.jsonl.gz');
    await writeFile(plain, text);
    await writeFile(zipped, gzipSync(text));
    const [fromPlain, fromGzip] = [join(tmp.path, 'plain-out'), join(tmp.path, 'gzip-out')];
    expect((await thinkbatch(['run', plain, '--simulate', '--out', fromPlain])).code).toBe(0);
    const result = await thinkbatch(['run', zipped, '--simulate', '--out', fromGzip]);
    expect(result.code).toBe(0);
    const strip = (r: ResultLine) => ({ ...r, latency_ms: null, request_id: null });
    const gzipResults = await resultsIn(fromGzip);
    expect(gzipResults.map((r) => [r.line, r.status])).toEqual([
      [1, 'succeeded'],
      [3, 'succeeded'],
      [4, 'failed'],
      [5, 'succeeded'],
    ]);
    expect(gzipResults.map(strip)).toEqual((await resultsIn(fromPlain)).map(strip));
  });

  it('stops early on a wrong API key: exit 1, one message saying what to set, one result per line', async () => {
    const simulator = await simulators.start({ apiKey: 'the-right-key-1234' });
    const input = join(tmp.path, 'wrong-key.jsonl');
    const total = 200;
    await writeFile(input, Array.from({ length: total }, (_, i) => `${prompt(`q${i}`)}\n`).join(''));
    const out = join(tmp.path, 'wrong-key-out');
    const wrongKey = 'nvapi-wrong-key-5678';
    const result = await thinkbatch(['run', input, '--out', out, ...fastEndpoint(simulator.url, wrongKey)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /thinkbatch: job \S+ failed: endpoint_refused: the endpoint refused the API key \(HTTP 401 on 5 calls in a row, none accepted: .*\)\. Set a valid key — NVIDIA_API_KEY or --api-key/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toContain(`lines: ${total} (0 succeeded, ${total} failed`);
    expect(result.stdout).not.toContain('the others never ran'); // every line has its result
    const results = await resultsIn(out);
    expect(results.map((r) => r.line)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(results.every((r) => r.status === 'failed' && r.error?.code === 'endpoint_rejected')).toBe(true);
    // The calls stop early: the endpoint saw few, and every other line says why it stopped.
    const calls = results.reduce((sum, r) => sum + r.attempts, 0);
    expect(calls).toBe(simulator.stats().byStatus['401']);
    expect(calls).toBeLessThan(total / 4);
    for (const r of results)
      expect(r.error?.message).toMatch(
        /^line \d+: (stopped unanswered: the job stopped because the endpoint refused the API key|HTTP 401: )/,
      );
    const stopped = results.filter((r) => r.error?.message.includes('stopped unanswered'));
    expect(stopped.filter((r) => r.attempts === 0).length).toBeGreaterThanOrEqual(total - calls);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({
      status: 'failed',
      error: { code: 'endpoint_refused' },
      counts: { total, failed: total },
    });
    // The wrong key appears nowhere.
    for (const file of ['results.jsonl', 'errors.jsonl', 'summary.json', 'run.log'])
      expect(await readFile(join(out, file), 'utf8')).not.toContain(wrongKey);
    expect(result.stderr + result.stdout).not.toContain(wrongKey);
  });

  it('stops early on an unknown model (404) and names the model to fix', async () => {
    const simulator = await simulators.start({ apiKey: 'key-for-404-test', rejectUnknownModels: true });
    const input = join(tmp.path, 'unknown-model.jsonl');
    await writeFile(input, Array.from({ length: 60 }, (_, i) => `${prompt(`m${i}`)}\n`).join(''));
    const out = join(tmp.path, 'unknown-model-out');
    const result = await thinkbatch([
      'run',
      input,
      '--out',
      out,
      '--model',
      'deepseek-ai/no-such-model',
      ...fastEndpoint(simulator.url, 'key-for-404-test'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /failed: endpoint_refused: the endpoint does not know model "deepseek-ai\/no-such-model"/,
    );
    expect(await resultsIn(out)).toHaveLength(60);
  });
});
