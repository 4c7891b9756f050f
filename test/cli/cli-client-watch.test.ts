import { readdir, readFile, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { CLIENT_COMMANDS, CLIENT_EXIT_CODES, runClientCommand } from '@thinkbatch/cli';
import { ResultLine } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { spawnThinkbatch, useTempDir } from './cli-process';
import { useServeProcess } from './serve-process';

// 3 s per `sluggish` line and 2 calls at once: a job of them runs long enough to watch, read and cancel.
const serve = useServeProcess(
  { promptFaults: [{ match: 'sluggish', fault: { kind: 'slowHeaders', delayMs: 3_000 } }] },
  ['--max-in-flight', '2'],
);
const tmp = useTempDir('thinkbatch-client-watch-');

const sluggish = (n: number): string =>
  Array.from({ length: n }, (_, i) => `${JSON.stringify({ prompt: `sluggish question ${i}` })}\n`).join('');

/** The progress lines `status --watch` printed (one per change, not on a terminal): status and lines done. */
function progressOf(stdout: string, id: string): { status: string; done: number }[] {
  return [...stdout.matchAll(new RegExp(`^${id} (\\w+) (\\d+)/`, 'gm'))].map((match) => ({
    status: match[1] ?? '',
    done: Number(match[2]),
  }));
}

/** A port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Call the API directly (the test's own requests, not the CLI's). */
async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${serve.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

describe('thinkbatch status --watch, partial results, cancel and jobs against serve', () => {
  it('watches a job whose progress moves, reads its lines so far, cancels it, and lists jobs by status and input', async () => {
    // Another job, created and finished through the API, for the list filters.
    const other = await api<{ job: { id: string } }>('/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({ input: { type: 'inline', content: '{"prompt": "quick"}\n' } }),
    });
    const input = join(tmp.path, 'sluggish.jsonl');
    await writeFile(input, sluggish(40));
    const submitted = await serve.cli(['submit', input, '--upload', '--json']);
    expect(submitted.code).toBe(0);
    const job = JSON.parse(submitted.stdout) as { id: string; input: { uploaded: boolean; bytes: number } };
    expect(job.input).toMatchObject({ uploaded: true, bytes: Buffer.byteLength(sluggish(40)) });
    const { id } = job;

    const watch = spawnThinkbatch(['status', id, '--watch', '--interval', '0.2'], serve.env);
    let watched = '';
    watch.stdout.on('data', (chunk: Buffer) => {
      watched += chunk.toString();
    });
    const watchEnded = new Promise<number | null>((resolve) => watch.once('exit', resolve));
    // A second watcher, stopped with Ctrl-C while the job runs.
    const stopped = spawnThinkbatch(['status', id, '--watch', '--interval', '0.2'], serve.env);
    let stoppedOut = '';
    let stoppedErr = '';
    stopped.stdout.on('data', (chunk: Buffer) => {
      stoppedOut += chunk.toString();
    });
    stopped.stderr.on('data', (chunk: Buffer) => {
      stoppedErr += chunk.toString();
    });
    const stoppedEnded = new Promise<number | null>((resolve) => stopped.once('exit', resolve));
    try {
      // The lines finished so far, while the job runs: in input order from the first, no summary yet.
      const partialDir = join(tmp.path, 'partial');
      const partial = await serve.cli(['results', id, '--out', partialDir, '--json']);
      expect(partial.code).toBe(0);
      const report = JSON.parse(partial.stdout) as { status: string; partial: boolean; lines: number };
      expect(report).toMatchObject({ status: expect.stringMatching(/^(queued|running)$/), partial: true });
      expect(report.lines).toBeLessThan(40);
      expect((await readdir(partialDir)).sort()).toEqual(['errors.jsonl', 'results.jsonl']);
      const lines = (await readFile(join(partialDir, 'results.jsonl'), 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => ResultLine.parse(JSON.parse(line)));
      expect(lines.map((line) => line.line)).toEqual(Array.from({ length: report.lines }, (_, i) => i + 1));

      // Cancel once the watcher has shown the progress move.
      const deadline = Date.now() + 90_000;
      for (;;) {
        const done = new Set(progressOf(watched, id).map((p) => p.done));
        if (done.size >= 2 && Math.max(...done) > 0 && progressOf(stoppedOut, id).length > 0) break;
        if (Date.now() > deadline) throw new Error(`no progress watched: ${watched}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      stopped.kill('SIGINT');
      expect(await stoppedEnded).toBe(CLIENT_EXIT_CODES.interrupted);
      expect(stoppedErr).toContain(`stopped watching; job ${id} goes on`);
      const cancelled = await serve.cli(['cancel', id]);
      expect([cancelled.code, cancelled.stdout]).toEqual([0, expect.stringContaining('cancel requested')]);

      expect(await watchEnded).toBe(CLIENT_EXIT_CODES.failed);
    } finally {
      if (watch.exitCode === null) watch.kill('SIGKILL');
      if (stopped.exitCode === null) stopped.kill('SIGKILL');
    }
    const progress = progressOf(watched, id);
    const counts = progress.map((p) => p.done);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual({ status: 'cancelled', done: 40 });
    expect(watched).toMatch(new RegExp(`job ${id} cancelled\\n`));
    expect(watched).toMatch(/lines: 40\/40 done \(\d+ succeeded, 0 failed, \d+ cancelled, 0 expired/);

    const byStatus = await serve.cli(['jobs', '--status', 'cancelled', '--json']);
    expect(byStatus.code).toBe(0);
    const listed = JSON.parse(byStatus.stdout) as { data: { id: string; status: string }[] };
    expect(listed.data.map((j) => [j.id, j.status])).toEqual([[id, 'cancelled']]);
    const byInput = await serve.cli(['jobs', '--input', `inputs/${other.job.id}.jsonl`]);
    expect(byInput.code).toBe(0);
    expect(byInput.stdout).toContain(other.job.id);
    expect(byInput.stdout).not.toContain(id);

    // --format openai of a job created without openaiBatchOutput: the lines converted as the finalizer
    // writes them (ids from the job id and line, `created` the job's creation).
    const openaiDir = join(tmp.path, 'openai');
    const openai = await serve.cli(['results', other.job.id, '--out', openaiDir, '--format', 'openai']);
    expect(openai.code).toBe(0);
    const created = await api<{ created_at: string }>(`/v1/jobs/${other.job.id}`);
    const batchLines = (await readFile(join(openaiDir, 'openai-batch-output.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(batchLines).toEqual([
      {
        id: `batch_req_${other.job.id}_1`,
        custom_id: 'line-1',
        response: expect.objectContaining({
          status_code: 200,
          body: expect.objectContaining({
            id: `chatcmpl-${other.job.id}_1`,
            created: Math.floor(Date.parse(created.created_at) / 1000),
          }),
        }),
        error: null,
      },
    ]);

    const again = await serve.cli(['cancel', id]);
    expect([again.code, again.stderr]).toEqual([1, expect.stringMatching(/409 conflict/)]);
  });
});

describe('the client commands run in this process: errors, one job, help', () => {
  /** Run a client command in this process, against serve, with `env` over the connection's. */
  async function inProcess(args: readonly string[], env: Record<string, string | undefined> = {}) {
    let stdout = '';
    let stderr = '';
    const [name = '', ...rest] = args;
    const command = CLIENT_COMMANDS[name];
    if (command === undefined) throw new Error(`no command ${name}`);
    const code = await runClientCommand(command, rest, {
      env: { ...serve.env, ...env },
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    });
    return { code, stdout, stderr };
  }

  it('says what to do for a missing or wrong token, an unknown job and an API that is not there', async () => {
    const missing = await inProcess(['jobs'], { THINKBATCH_API_TOKEN: undefined });
    expect(missing).toMatchObject({
      code: 3,
      stderr: expect.stringContaining('needs a token: set $THINKBATCH_API_TOKEN'),
    });
    const wrongToken = 'wrong-token-0123456789';
    const wrong = await inProcess(['status', 'job_x'], { THINKBATCH_API_TOKEN: wrongToken });
    expect(wrong).toMatchObject({ code: 3, stderr: expect.stringContaining('refused the token (401)') });
    expect(wrong.stderr).not.toContain(wrongToken);
    const unknown = await inProcess(['status', 'job_no_such_job']);
    expect(unknown).toMatchObject({ code: 4, stderr: 'thinkbatch: no such job: job_no_such_job\n' });
    const away = await inProcess(['jobs'], { THINKBATCH_API: `http://127.0.0.1:${await closedPort()}` });
    expect(away).toMatchObject({
      code: 5,
      stderr: expect.stringContaining('start it with "thinkbatch serve"'),
    });

    // The same through the binary: the exit code reaches the shell, the token is never printed.
    const child = await serve.cli(['jobs'], { THINKBATCH_API_TOKEN: wrongToken });
    expect(child.code).toBe(CLIENT_EXIT_CODES.unauthenticated);
    expect(`${child.stdout}${child.stderr}`).not.toContain(wrongToken);
    expect(`${child.stdout}${child.stderr}`).not.toContain(serve.token);
  });

  it('shows one job for people and as JSON', async () => {
    const { job } = await api<{ job: { id: string } }>('/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({ input: { type: 'inline', content: '{"prompt": "status"}\n' } }),
    });
    const json = await inProcess(['status', job.id, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: job.id, input: { uploaded: true } });
    const text = await inProcess(['status', job.id]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^job ${job.id} \\w+\nlines: \\d+/(\\d+|\\?) done`));
    expect(text.stdout).toContain(`input: inputs/${job.id}.jsonl`);
  });

  it('has --help on every command', async () => {
    for (const [name, usage] of [
      ['submit', 'thinkbatch submit <file.jsonl> [--wait] [--json]'],
      ['status', 'thinkbatch status <job-id> [--watch] [--json]'],
      ['results', 'thinkbatch results <job-id> [--out DIR] [--format openai]'],
      ['cancel', 'thinkbatch cancel <job-id>'],
      ['retry', 'thinkbatch retry <job-id> [--status failed]'],
      ['jobs', 'thinkbatch jobs [--status S] [--input KEY]'],
      ['merge', 'thinkbatch merge <parent-id> <retry-id> [--out DIR]'],
    ] as const) {
      const help = await inProcess([name, '--help'], { THINKBATCH_API_TOKEN: undefined });
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toContain(usage);
      expect(help.stdout).toContain('--api URL');
    }
    const child = await serve.cli(['--help']);
    expect([child.code, child.stdout]).toEqual([
      0,
      expect.stringContaining('thinkbatch submit <file.jsonl>'),
    ]);
  });
});
