import { mergeResults, type ResultLine } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { createInline, each, jsonl, resultsOf, waitForJob } from './api-helpers';
import { useServe } from './serve-fixture';

const serve = useServe({
  promptFaults: [
    // 1 s per `sluggish` line: a job of them is still running when the test cancels it.
    { match: 'sluggish', fault: { kind: 'slowHeaders', delayMs: 1_000 } },
    // The endpoint refuses `fragile` lines the first 3 times (400: no retry), then answers them.
    { match: 'fragile', fault: 'http400', times: 3 },
  ],
});

describe('thinkbatch serve: cancel', () => {
  it('cancels a running job: lines not done end cancelled, counts add up, the job finalizes with its files', async () => {
    const { client, simulator } = serve;
    const prompts = Array.from({ length: 40 }, (_, i) => `sluggish question ${i}`);
    const { id } = await createInline(client, jsonl(prompts), { linesPerChunk: 40 });
    await waitForJob(client, id, (job) => job.progress.lines_done >= 8);
    const cancelled = await client.POST('/v1/jobs/{id}/cancel', { params: { path: { id } } });
    const callsAtCancel = simulator.stats().chatRequests;
    expect(cancelled.response.status).toBe(200);
    expect(cancelled.data).toMatchObject({ id, cancel_requested: true });

    const done = await waitForJob(client, id);
    expect(done.status).toBe('cancelled');
    const { progress } = done;
    expect(progress.lines_total).toBe(40);
    expect(progress.succeeded + progress.cancelled).toBe(40);
    expect(progress).toMatchObject({ basis: 'summary', failed: 0, expired: 0, lines_done: 40 });
    expect(progress.succeeded).toBeGreaterThanOrEqual(8);
    expect(progress.cancelled).toBeGreaterThan(0);
    // Only calls a worker had started as the cancel landed (at most the 8 lines in flight) came after it.
    expect(simulator.stats().chatRequests - callsAtCancel).toBeLessThanOrEqual(8);
    const results = await resultsOf(serve.client, id);
    expect(results).toHaveLength(40);
    expect(results.filter((r) => r.status === 'cancelled').map((r) => r.error?.code)).toEqual(
      Array(progress.cancelled).fill('cancelled'),
    );

    const again = await client.POST('/v1/jobs/{id}/cancel', { params: { path: { id } } });
    expect([again.response.status, again.error?.error.code]).toEqual([409, 'conflict']);
  });
});

describe('thinkbatch serve: deadline', () => {
  it('ends a job whose deadline passes expired: lines not started end expired, counts add up', async () => {
    const { client } = serve;
    const prompts = Array.from({ length: 48 }, (_, i) => `sluggish deadline ${i}`);
    // 48 s of work at 8 lines at once (fewer while the rate gate's in-flight allowance starts at 4) takes
    // 6 s or more: a deadline 4 s out passes in the middle of it, after the first lines (1 s each) even
    // on a loaded machine.
    const deadline = Date.now() + 4_000;
    const { id } = await createInline(client, jsonl(prompts), { linesPerChunk: 48, deadline });
    const done = await waitForJob(client, id);
    expect(done).toMatchObject({ status: 'expired', options: { deadline } });
    const { progress } = done;
    expect(progress.succeeded + progress.expired + progress.failed).toBe(48);
    expect(progress.expired).toBeGreaterThan(0);
    expect(progress.succeeded).toBeGreaterThan(0);
    const results = await resultsOf(serve.client, id);
    expect(results.filter((r) => r.status === 'expired').length).toBe(progress.expired);
    // A retry of the expired lines drops the parent's deadline (it has passed) and runs them.
    const retry = await client.POST('/v1/jobs/{id}/retry', {
      params: { path: { id } },
      body: { statuses: ['expired'] },
    });
    expect(retry.response.status).toBe(201);
    expect(retry.data?.job.options.deadline).toBeUndefined();
    const retried = await waitForJob(client, retry.data?.job.id ?? '');
    expect(retried.progress).toMatchObject({ lines_total: progress.expired, succeeded: progress.expired });
  });
});

describe('thinkbatch serve: retry', () => {
  it('retries only the failed lines in a new job linked to its parent, whose results merge back', async () => {
    const { client } = serve;
    const content = [
      JSON.stringify({ prompt: 'steady one' }),
      JSON.stringify({ prompt: 'fragile one' }),
      JSON.stringify({ custom_id: 'f2', prompt: 'fragile two' }),
      '{not json',
      JSON.stringify({ prompt: 'fragile three', temperature: 0.1 }),
      JSON.stringify({ prompt: 'steady two' }),
    ].join('\n');
    const parent = await createInline(client, content);
    const early = await client.POST('/v1/jobs/{id}/retry', { params: { path: { id: parent.id } } });
    expect([early.response.status, early.error?.error.code]).toEqual([409, 'conflict']);
    const finished = await waitForJob(client, parent.id);
    expect(finished.progress).toMatchObject({ succeeded: 2, failed: 4 });

    const header = { 'idempotency-key': `retry-${parent.id}` };
    const retry = await client.POST('/v1/jobs/{id}/retry', { params: { path: { id: parent.id }, header } });
    expect(retry.response.status).toBe(201);
    const retryId = retry.data?.job.id ?? '';
    expect(retry.data?.job).toMatchObject({ parent_job_id: parent.id, input: { uploaded: true } });
    const replay = await client.POST('/v1/jobs/{id}/retry', { params: { path: { id: parent.id }, header } });
    expect([replay.response.status, replay.data?.job.id]).toEqual([200, retryId]);

    const done = await waitForJob(client, retryId);
    // The invalid-JSON line is not retried: it would fail the same way.
    expect(done).toMatchObject({
      status: 'completed',
      progress: { lines_total: 3, succeeded: 3, failed: 0 },
    });
    const retried = await resultsOf(serve.client, retryId);
    expect(retried.map((r) => r.custom_id)).toEqual(['line-2', 'f2', 'line-5']);

    const merged: ResultLine[] = [];
    for await (const line of mergeResults(each(await resultsOf(serve.client, parent.id)), each(retried)))
      merged.push(line);
    expect(merged.map((r) => [r.line, r.custom_id, r.status])).toEqual([
      [1, 'line-1', 'succeeded'],
      [2, 'line-2', 'succeeded'],
      [3, 'f2', 'succeeded'],
      [4, 'line-4', 'failed'],
      [5, 'line-5', 'succeeded'],
      [6, 'line-6', 'succeeded'],
    ]);
    expect(merged[4]?.answer).toBeTruthy();

    const nothing = await client.POST('/v1/jobs/{id}/retry', { params: { path: { id: retryId } } });
    expect([nothing.response.status, nothing.error?.error.code]).toEqual([422, 'unprocessable']);
    const cancelledLines = await client.POST('/v1/jobs/{id}/retry', {
      params: { path: { id: parent.id } },
      body: { statuses: ['cancelled'] },
    });
    expect(cancelledLines.response.status).toBe(422);
  });
});
