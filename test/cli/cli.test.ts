import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResultLine } from '@thinkbatch/core';
import { createSimulatorHarness } from '@thinkbatch/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { root, spawnThinkbatch, thinkbatch, useTempDir } from './cli-process';

const simulators = createSimulatorHarness();
afterAll(simulators.closeAll);

describe('thinkbatch run (the CLI contract)', () => {
  const tmp = useTempDir('thinkbatch-cli-');

  it('runs the quick-start example on the embedded default with --simulate', async () => {
    const out = join(tmp.path, 'quickstart');
    const result = await thinkbatch(['run', 'examples/quickstart.jsonl', '--simulate', '--out', out]);
    expect(result.stderr).toContain('progress:');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/completed/);
    expect((await readdir(out)).sort()).toEqual(['errors.jsonl', 'results.jsonl', 'run.log', 'summary.json']);
    const input = (await readFile(join(root, 'examples/quickstart.jsonl'), 'utf8')).trim().split('\n');
    const results = (await readFile(join(out, 'results.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => ResultLine.parse(JSON.parse(line)));
    expect(results).toHaveLength(input.length);
    expect(results.map((r) => r.line)).toEqual(input.map((_, i) => i + 1));
    expect(results[0]?.answer).toContain('\\boxed{42}');
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.counts).toMatchObject({ total: 8, succeeded: 5, failed: 3 });
    // The rate gate: in the progress line and the summary, with the simulator's limits.
    expect(result.stderr).toMatch(/ \| gate [\d.]+ req\/min, \d+\/\d+ in flight, \d+ × 429, waited /);
    expect(summary.rate_gate).toMatchObject({
      limits: { requests_per_minute: 6000, tokens_per_minute: null, max_in_flight: null },
      calls: { succeeded: 5, rate_limited: 0, failed: 0 },
    });
  });

  it('never writes the API key into results or logs', async () => {
    const out = join(tmp.path, 'secret');
    const result = await thinkbatch(['run', 'examples/quickstart.jsonl', '--simulate', '--out', out]);
    expect(result.code).toBe(0);
    const log = await readFile(join(out, 'run.log'), 'utf8');
    expect(log).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/); // the simulator's random key
  });

  it('says what to set when there is no key and no --simulate', async () => {
    const result = await thinkbatch(['run', 'examples/quickstart.jsonl', '--out', join(tmp.path, 'nokey')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('NVIDIA_API_KEY');
    expect(result.stderr).toContain('--simulate');
  });

  it('fails clearly on a missing input file', async () => {
    const result = await thinkbatch(['run', 'no/such/file.jsonl', '--simulate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('input file not found: no/such/file.jsonl');
  });

  it.each([
    ['zero', '--max-attempts must be an integer from 1 to 20'],
    ['25', '--max-attempts must be an integer from 1 to 20, got "25"'], // more than a job may allow
  ])('rejects --max-attempts %s before doing any work', async (value, message) => {
    const result = await thinkbatch([
      'run',
      'examples/quickstart.jsonl',
      '--simulate',
      '--max-attempts',
      value,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it.each([
    [['--rpm', 'lots'], '--rpm must be a number or "auto", got "lots"'],
    [['--max-in-flight', '0'], '--max-in-flight must be more than 0'],
    [['--max-rate-wait', 'soon'], '--max-rate-wait must be a number'],
  ])('rejects endpoint limits %j before doing any work', async (flags, message) => {
    const result = await thinkbatch(['run', 'examples/quickstart.jsonl', '--simulate', ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('exits (does not hang) when the local runtime cannot start', async () => {
    const notADirectory = join(tmp.path, 'plain-file');
    await writeFile(notADirectory, 'x');
    const result = await thinkbatch([
      'run',
      'examples/quickstart.jsonl',
      '--simulate',
      '--data-dir',
      notADirectory,
      '--out',
      join(tmp.path, 'bad-data-dir'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ENOTDIR|not a directory/i);
  });

  it('completes, with the line failed loudly, when the endpoint cannot be reached', async () => {
    const input = join(tmp.path, 'one.jsonl');
    await writeFile(input, '{"prompt": "hello"}\n');
    // Nothing listens on port 9 of 127.0.0.1: every attempt is a connection error, then the line fails.
    const result = await thinkbatch([
      'run',
      input,
      '--endpoint',
      'http://127.0.0.1:9/v1',
      '--api-key',
      'k',
      '--max-attempts',
      '1',
      '--out',
      join(tmp.path, 'refused'),
    ]);
    expect(result.code).toBe(0); // the job completed; its one line failed, loudly
    expect(result.stdout).toContain('1 failed');
    const errors = await readFile(join(tmp.path, 'refused', 'errors.jsonl'), 'utf8');
    expect(JSON.parse(errors.trim()).error.code).toBe('attempts_exhausted');
  });

  it('stops cleanly on Ctrl-C while lines are in flight, and says the job was left unfinished', async () => {
    // The simulator's clock never moves, so every request waits at the endpoint until the test ends.
    const simulator = await simulators.start({ apiKey: 'slow-key', latency: { kind: 'fixed', ms: 60_000 } });
    const child = spawnThinkbatch([
      'run',
      'examples/quickstart.jsonl',
      '--endpoint',
      simulator.url,
      '--api-key',
      'slow-key',
      // Known, so all five lines go in flight at once (an unknown one starts at 4 until latency is known).
      '--max-in-flight',
      '8',
      '--out',
      join(tmp.path, 'interrupted'),
    ]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until the lines are in flight at the (slow) endpoint, then interrupt.
    for (let i = 0; i < 200 && simulator.stats().inFlight < 5; i += 1)
      await new Promise((r) => setTimeout(r, 100));
    expect(simulator.stats().inFlight).toBe(5);
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(Date.now() - interruptedAt).toBeLessThan(15_000);
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted: job');
    expect(stderr).not.toContain('Error:');
  });
});
