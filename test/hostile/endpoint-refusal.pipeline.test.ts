import type { ModelCallResult } from '@thinkbatch/core';
import { answerEcho, createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';

const refusal = (status: number, message: string): ModelCallResult => ({
  kind: 'failed',
  latencyMs: 1,
  failure: { type: 'http_error', status, message, retryAfterMs: null, requestId: null },
});
const lines = (n: number, line: (i: number) => object = (i) => ({ prompt: `q${i}` })): string =>
  Array.from({ length: n }, (_, i) => `${JSON.stringify(line(i))}\n`).join('');

/** Big chunks, as in production: one delivery sees enough calls to judge. */
const CONFIG = { linesPerChunk: 50 } as const;

describe('an endpoint that refuses every call the same way stops the job early', () => {
  it('a wrong key (401): one job-level error, one result per line, few calls', async () => {
    const h = createPipelineHarness({
      config: CONFIG,
      behaviour: () => refusal(401, 'Incorrect API key provided: [redacted].'),
    });
    const job = await h.upload('wrong-key.jsonl', lines(200));
    await h.drain();
    const ended = await h.jobs.getJob(job.jobId);
    expect(ended?.status).toBe('failed');
    expect(ended?.error?.code).toBe('endpoint_refused');
    expect(ended?.error?.message).toMatch(/^the endpoint refused the API key \(HTTP 401 on 5 calls in a row/);
    const results = await h.results(job.jobId);
    expect(results.map((r) => r.line)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(results.every((r) => r.status === 'failed' && r.error?.code === 'endpoint_rejected')).toBe(true);
    // Calls made = attempts recorded; far fewer than lines (today: one per line, 200).
    const calls = results.reduce((sum, r) => sum + r.attempts, 0);
    expect(calls).toBe(h.model.calls.length);
    expect(h.model.calls.length).toBeLessThanOrEqual(20);
    const summary = JSON.parse(
      new TextDecoder().decode((await h.output.get(`jobs/${job.jobId}/summary.json`)) ?? undefined),
    );
    expect(summary).toMatchObject({
      status: 'failed',
      error: { code: 'endpoint_refused' },
      counts: { total: 200, failed: 200 },
    });
  });

  it('an unknown model (404) names the model', async () => {
    const h = createPipelineHarness({
      config: CONFIG,
      behaviour: ({ body }) => refusal(404, `The model '${body.model}' does not exist.`),
    });
    const job = await h.upload(
      'unknown-model.jsonl',
      lines(60, (i) => ({ prompt: `q${i}`, model: 'no/such' })),
    );
    await h.drain();
    const ended = await h.jobs.getJob(job.jobId);
    expect(ended).toMatchObject({ status: 'failed', error: { code: 'endpoint_refused' } });
    expect(ended?.error?.message).toMatch(/^the endpoint does not know model "no\/such"/);
    expect(await h.results(job.jobId)).toHaveLength(60);
  });

  it('refusals broken by successes do not stop the job: a bad model on some lines fails only those', async () => {
    const h = createPipelineHarness({
      config: CONFIG,
      behaviour: (args) =>
        args.body.model === 'no/such' ? refusal(404, 'The model does not exist.') : answerEcho(args),
    });
    const job = await h.upload(
      'some-bad.jsonl',
      lines(60, (i) => (i % 3 === 0 ? { prompt: `q${i}`, model: 'no/such' } : { prompt: `q${i}` })),
    );
    await h.drain();
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
    const results = await h.results(job.jobId);
    expect(results.filter((r) => r.status === 'succeeded')).toHaveLength(40);
    expect(results.filter((r) => r.error?.code === 'endpoint_rejected')).toHaveLength(20);
    expect(h.model.calls).toHaveLength(60);
  });

  it('a few refusals in a row, fewer than the limit, change nothing', async () => {
    let refused = 0;
    const h = createPipelineHarness({
      config: { ...CONFIG, lineConcurrency: 1 },
      behaviour: (args) => (refused++ < 4 ? refusal(401, 'key being rotated') : answerEcho(args)),
    });
    const job = await h.upload('flaky-key.jsonl', lines(20));
    await h.drain();
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
    expect((await h.results(job.jobId)).filter((r) => r.status === 'succeeded')).toHaveLength(16);
  });
});
