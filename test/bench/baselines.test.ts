import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningSimulator, startSimulator } from '@thinkbatch/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BaselineSummary, runFixedConcurrencyLoop } from '../../bench/baselines/fixed-concurrency-loop';
import { runParallelProcessor } from '../../bench/baselines/parallel-processor';

// The two baselines of the benchmark, run for real over HTTP against a rate-limited simulated
// endpoint: 20 requests per 1 s sliding window (REFERENCE: providers enforce per-minute limits so).
let simulator: RunningSimulator;
let dir: string;
const LINES = 40;

beforeAll(async () => {
  simulator = await startSimulator({
    seed: 3,
    requestsPerMinute: 20,
    rateWindowMs: 1_000,
    retryAfterFormat: 'seconds',
    latency: { kind: 'fixed', ms: 20 },
  });
  dir = await mkdtemp(join(tmpdir(), 'baselines-'));
  const prompts = Array.from({ length: LINES }, (_, i) =>
    JSON.stringify(
      i % 2 === 0 ? { custom_id: `q${i}`, prompt: `What is ${i} + ${i}?` } : { prompt: `What is ${i} + 1?` },
    ),
  );
  await writeFile(join(dir, 'prompts.jsonl'), `${prompts.join('\n')}\n`);
});
afterAll(async () => {
  await simulator.close();
  await rm(dir, { recursive: true, force: true });
});

async function resultLines(path: string): Promise<{ custom_id: string; status: string }[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

function expectConsistent(summary: BaselineSummary, results: { custom_id: string; status: string }[]): void {
  expect(summary.lines).toBe(LINES);
  expect(summary.succeeded + summary.failed).toBe(LINES);
  expect(results).toHaveLength(LINES);
  expect(new Set(results.map((r) => r.custom_id)).size).toBe(LINES);
  expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(summary.succeeded);
  expect(summary.requestsSent).toBeGreaterThanOrEqual(LINES);
  expect(summary.requestsSent - summary.rateLimited).toBeGreaterThanOrEqual(summary.succeeded);
}

describe('benchmark baselines', () => {
  it('fixed-concurrency loop: 16 workers on the openai SDK with its default retries', async () => {
    const output = join(dir, 'loop.jsonl');
    const summary = await runFixedConcurrencyLoop({
      baseURL: simulator.url,
      apiKey: 'test',
      model: 'deepseek-ai/deepseek-r1',
      input: join(dir, 'prompts.jsonl'),
      output,
    });
    expectConsistent(summary, await resultLines(output));
    // Sixteen at once against 20 per second: the loop meets 429s.
    expect(summary.rateLimited).toBeGreaterThan(0);
    expect(summary.requestsSent).toBe(simulator.stats().requests);
  });

  it('parallel processor: buckets per minute, a (compressed) pause after a 429, 5 attempts', async () => {
    const before = simulator.stats().requests;
    const output = join(dir, 'processor.jsonl');
    const summary = await runParallelProcessor({
      baseURL: simulator.url,
      apiKey: 'test',
      model: 'deepseek-ai/deepseek-r1',
      input: join(dir, 'prompts.jsonl'),
      output,
      // Its buckets allow more than the endpoint does, as a user who copied the defaults would have.
      requestsPerMinute: 3_000,
      pauseAfterRateLimitMs: 200,
    });
    expectConsistent(summary, await resultLines(output));
    expect(summary.rateLimited).toBeGreaterThan(0);
    expect(summary.requestsSent).toBe(simulator.stats().requests - before);
  });
});
