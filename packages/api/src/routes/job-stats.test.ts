import { createLimiter, processWorkMessage, startJob } from '@thinkbatch/core';
import { answerEcho, createPipelineHarness, createRecordingLogger } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { parseApiConfig, type UploadNotifier } from '../api-deps';
import { createApiApp } from '../app';
import { createApiClient } from '../client/index';

const TOKEN = 'test-token-0123456789abcdef';

/**
 * The app on the pipeline harness; the fake endpoint answers a prompt `slow …` in 3 s (of the fake clock),
 * `bad …` with a 400, anything else at once.
 */
function setup() {
  const h: ReturnType<typeof createPipelineHarness> = createPipelineHarness({
    behaviour: (call) => {
      if (call.prompt.startsWith('slow')) h.clock.advance(3_000);
      if (call.prompt.startsWith('bad'))
        return {
          kind: 'failed',
          latencyMs: 2,
          failure: { type: 'http_error', status: 400, message: 'no', retryAfterMs: null, requestId: null },
        };
      return answerEcho(call);
    },
  });
  const uploads: UploadNotifier = {
    uploaded: async (key) => {
      await startJob(h.deps, { bucket: h.input.bucket, key, sequencer: `seq-${key}` });
    },
    expect: () => {},
  };
  const app = createApiApp({
    jobs: h.jobs,
    input: h.input,
    output: h.output,
    uploads,
    clock: h.clock,
    log: createRecordingLogger(),
    token: TOKEN,
    config: parseApiConfig(),
  });
  const fetch = async (request: Request): Promise<Response> => app.request(request);
  const client = createApiClient({ baseUrl: 'http://api.test', token: TOKEN, fetch });
  return { h, app, client };
}

const jsonl = (...prompts: string[]): string =>
  prompts.map((prompt) => JSON.stringify({ prompt })).join('\n');

describe('GET /v1/jobs/{id}/stats', () => {
  it('while the job runs: a latency histogram and failures by code of the recorded lines', async () => {
    const { h, client } = setup();
    const created = await client.POST('/v1/jobs', {
      body: {
        input: { type: 'inline', content: jsonl('slow a', 'bad b', 'c', 'd', 'slow e', 'f') },
        options: { linesPerChunk: 2 },
      },
    });
    const id = created.data?.job.id ?? '';
    const empty = await client.GET('/v1/jobs/{id}/stats', { params: { path: { id } } });
    expect(empty.data).toMatchObject({
      sample: { lines: 0, source: 'none' },
      failures: { by_code: {}, lines: [] },
    });
    expect(empty.data?.latency.percentiles).toBeNull();

    // Run the first two chunks (lines 1–4) of three.
    const queued = h.queue.drain();
    for (const item of queued.slice(0, 2))
      await processWorkMessage(h.deps, item.message, {
        deadline: h.clock.now() + 900_000,
        limiter: createLimiter(4),
      });
    const { data } = await client.GET('/v1/jobs/{id}/stats', { params: { path: { id } } });
    expect(data).toMatchObject({
      status: 'running',
      sample: { lines: 4, source: 'recorded_lines' },
      latency: { percentiles_basis: 'sample' },
      failures: { by_code: { endpoint_rejected: 1 }, by_code_basis: 'sample' },
    });
    expect(data?.failures.lines).toEqual([
      expect.objectContaining({ line: 2, code: 'endpoint_rejected', http_status: 400 }),
    ]);
    // Lines 1, 3 and 4 have a latency (line 2 was refused): the slow one 3 s or more.
    const bars = Object.fromEntries((data?.latency.histogram ?? []).map((b) => [b.from_ms, b.lines]));
    expect(data?.latency.histogram.reduce((sum, b) => sum + b.lines, 0)).toBe(3);
    expect(bars[2000]).toBeGreaterThanOrEqual(1);
    expect(data?.latency.percentiles?.max).toBeGreaterThanOrEqual(3_000);
  });

  it('once the job finished: its sample from results.jsonl, percentiles and failures by code from summary.json', async () => {
    const { h, client } = setup();
    const prompts = Array.from({ length: 30 }, (_, i) =>
      i % 10 === 3 ? `bad ${i}` : i % 3 === 0 ? `slow ${i}` : `q ${i}`,
    );
    const created = await client.POST('/v1/jobs', {
      body: { input: { type: 'inline', content: jsonl(...prompts) }, options: { linesPerChunk: 7 } },
    });
    const id = created.data?.job.id ?? '';
    await h.drain();
    const { data } = await client.GET('/v1/jobs/{id}/stats', { params: { path: { id } } });
    expect(data).toMatchObject({
      status: 'completed',
      sample: { lines: 30, source: 'results_file' },
      latency: { percentiles_basis: 'summary' },
      failures: { by_code: { endpoint_rejected: 3 }, by_code_basis: 'summary' },
    });
    expect(data?.failures.lines.map((f) => f.line)).toEqual([4, 14, 24]);
    // Every line with a latency is in the histogram (the refused ones have none).
    const results = await h.results(id);
    const latencies = results.flatMap((r) => (r.latency_ms === null ? [] : [r.latency_ms]));
    expect(latencies).toHaveLength(27);
    expect(data?.latency.histogram.reduce((sum, b) => sum + b.lines, 0)).toBe(27);
    // The bars are the distribution of the file's latencies (lines running beside a slow one take as long
    // on the shared fake clock, so both bars are known only from the file).
    const bars = Object.fromEntries((data?.latency.histogram ?? []).map((b) => [b.from_ms, b.lines]));
    const quick = latencies.filter((ms) => ms < 250).length;
    expect(quick).toBeGreaterThan(0);
    expect(bars).toMatchObject({ 0: quick, 2000: latencies.filter((ms) => ms >= 2000 && ms < 5000).length });
    expect(bars[2000]).toBeGreaterThan(0);
    expect(data?.latency.percentiles?.max).toBe(Math.max(...latencies));
  });

  it('needs the token, a valid id and an existing job', async () => {
    const { app, client } = setup();
    expect((await app.request('/v1/jobs/job_x/stats')).status).toBe(401);
    const wrong = await app.request('/v1/jobs/job_x/stats', {
      headers: { Authorization: 'Bearer nope-nope-nope-nope' },
    });
    expect(wrong.status).toBe(401);
    const invalid = await client.GET('/v1/jobs/{id}/stats', { params: { path: { id: 'a.b' } } });
    expect(invalid.response.status).toBe(400);
    const missing = await client.GET('/v1/jobs/{id}/stats', { params: { path: { id: 'job_missing' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.error.code).toBe('not_found');
  });
});
