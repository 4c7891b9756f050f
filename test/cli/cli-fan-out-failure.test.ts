import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ResultLine } from '@thinkbatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const main = join(root, 'packages/cli/src/main.ts');

/** Run `thinkbatch` as a user would, in a child process; never throws on a non-zero exit. */
async function thinkbatch(args: string[], env: Record<string, string> = {}) {
  const cleanEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    ...env,
  };
  try {
    const { stdout, stderr } = await run(tsx, [main, ...args], { cwd: root, env: cleanEnv, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The lines of stderr that are messages (progress lines aside), and whether any looks like a stack frame. */
function messagesOf(stderr: string): { messages: string[]; stackFrames: string[] } {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  return {
    messages: lines.filter((line) => line.startsWith('thinkbatch:')),
    stackFrames: lines.filter((line) => /^\s+at /.test(line)),
  };
}

describe('thinkbatch run when the job cannot be run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thinkbatch-cli-fail-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says in one line why fan-out failed, exits 1 and downloads what the job recorded', async () => {
    const out = join(dir, 'no-queue');
    // A work queue that does not exist: SQS refuses every send, which no retry fixes.
    const result = await thinkbatch(['run', 'examples/quickstart.jsonl', '--simulate', '--out', out], {
      THINKBATCH_WORK_QUEUE_URL: 'http://127.0.0.1:1/000000000000/thinkbatch-no-such-queue',
    });
    expect(result.code).toBe(1);
    const { messages, stackFrames } = messagesOf(result.stderr);
    expect(stackFrames).toEqual([]);
    const failure = messages.filter((line) => / failed: /.test(line));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatch(
      /^thinkbatch: job \S+ failed: fan_out_failed: .*QueueDoesNotExist.*; outputs so far in /,
    );
    expect(result.stdout).toContain('error: fan_out_failed');

    expect((await readdir(out)).sort()).toEqual(['errors.jsonl', 'results.jsonl', 'run.log', 'summary.json']);
    const results = (await readFile(join(out, 'results.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => ResultLine.parse(JSON.parse(line)));
    // The three invalid lines of the example were recorded before the failure; the valid ones never ran.
    expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({
      status: 'failed',
      error: { code: 'fan_out_failed' },
      counts: { total: 3 },
    });
  });

  it('prints one line, not a stack trace, when the local runtime cannot start', async () => {
    const notADirectory = join(dir, 'plain-file');
    await writeFile(notADirectory, 'x');
    const out = join(dir, 'bad-data-dir');
    const result = await thinkbatch([
      'run',
      'examples/quickstart.jsonl',
      '--simulate',
      '--data-dir',
      notADirectory,
      '--out',
      out,
    ]);
    expect(result.code).toBe(1);
    const { messages, stackFrames } = messagesOf(result.stderr);
    expect(stackFrames).toEqual([]);
    expect(messages.at(-1)).toMatch(/^thinkbatch: .*(ENOTDIR|not a directory).*\(details in .*run\.log\)$/);
    expect(await readFile(join(out, 'run.log'), 'utf8')).toMatch(/"message":"run failed"/);
  });
});
