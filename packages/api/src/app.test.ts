import { createLimiter, JobStoreError, processWorkMessage, startJob } from '@thinkbatch/core';
import { answerEcho, createPipelineHarness, createRecordingLogger } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { type ApiDeps, parseApiConfig, type UploadNotifier } from './api-deps';
import { createApiApp } from './app';
import { createApiClient } from './client/index';

const TOKEN = 'test-token-0123456789abcdef';

/** The app on the pipeline harness: an inline upload starts the job, `drain()` runs it. */
function setup(
  options: { config?: Parameters<typeof parseApiConfig>[0]; fail?: (prompt: string) => boolean } = {},
) {
  const fail = options.fail ?? (() => false);
  const h = createPipelineHarness({
    behaviour: (call) =>
      fail(call.prompt)
        ? {
            kind: 'failed',
            latencyMs: 1,
            failure: { type: 'http_error', status: 400, message: 'no', retryAfterMs: null, requestId: null },
          }
        : answerEcho(call),
  });
  const expected: { key: string; until: number }[] = [];
  const uploads: UploadNotifier = {
    uploaded: async (key) => {
      await startJob(h.deps, { bucket: h.input.bucket, key, sequencer: `seq-${key}` });
    },
    expect: (key, until) => expected.push({ key, until }),
  };
  const log = createRecordingLogger();
  const deps: ApiDeps = {
    jobs: h.jobs,
    input: h.input,
    output: h.output,
    uploads,
    clock: h.clock,
    log,
    token: TOKEN,
    config: parseApiConfig(options.config),
  };
  const app = createApiApp(deps);
  const fetch = async (request: Request): Promise<Response> => app.request(request);
  const client = createApiClient({ baseUrl: 'http://api.test', token: TOKEN, fetch });
  return { h, app, client, expected, log, fetch };
}

/** The cursor query of the next page, if any. */
const after = (cursor: string | null | undefined): { cursor?: string } => (cursor == null ? {} : { cursor });

const lines = (...prompts: string[]): string =>
  prompts.map((prompt) => JSON.stringify({ prompt })).join('\n');

describe('auth', () => {
  it('answers the health check without a token, and everything else only with the right one', async () => {
    const { app, log } = setup();
    expect((await app.request('/v1/health')).status).toBe(200);
    const none = await app.request('/v1/jobs');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="thinkbatch"');
    expect(await none.json()).toEqual({
      error: { code: 'unauthenticated', message: 'missing bearer token (Authorization: Bearer <token>)' },
    });
    const wrong = await app.request('/v1/jobs', { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({
      error: { code: 'unauthenticated', message: 'invalid bearer token' },
    });
    const basic = await app.request('/v1/jobs', { headers: { authorization: `Basic ${TOKEN}` } });
    expect(basic.status).toBe(401);
    expect((await app.request('/v1/openapi.json')).status).toBe(401);
    const right = await app.request('/v1/jobs', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(JSON.stringify(log.entries)).not.toContain(TOKEN);
  });

  it('refuses a token too short to be a secret', () => {
    const { h } = setup();
    const deps = { jobs: h.jobs, input: h.input, output: h.output, clock: h.clock, log: h.deps.log };
    const uploads = { uploaded: async () => {}, expect: () => {} };
    expect(() => createApiApp({ ...deps, uploads, token: 'short' })).toThrow(/at least 16/);
  });
});

describe('validation and errors', () => {
  it('refuses a malformed job id, body, query or cursor with 400 invalid_value before touching a store', async () => {
    const { client } = setup();
    const badId = await client.GET('/v1/jobs/{id}', { params: { path: { id: 'a/b' } } });
    expect(badId.response.status).toBe(400); // sent encoded (a%2Fb), refused by the id pattern
    const badChars = await client.GET('/v1/jobs/{id}', { params: { path: { id: 'job.1' } } });
    expect(badChars.response.status).toBe(400);
    expect(badChars.error?.error.code).toBe('invalid_value');
    expect(badChars.error?.error.message).toMatch(/job id/);
    const tooLong = await client.GET('/v1/jobs/{id}', { params: { path: { id: 'x'.repeat(65) } } });
    expect(tooLong.response.status).toBe(400);
    const badStatus = await client.GET('/v1/jobs', {
      params: { query: { status: 'nearly' as 'running' } },
    });
    expect(badStatus.error?.error.code).toBe('invalid_value');
    const badCursor = await client.GET('/v1/jobs', { params: { query: { cursor: 'bm9wZQ' } } });
    expect(badCursor.error?.error).toEqual({
      code: 'invalid_value',
      message: 'invalid cursor: pass the next_cursor of the previous page as it was',
    });
    const badBody = await client.POST('/v1/jobs', {
      body: { input: { type: 'inline', content: 'x' }, options: { temperature: 9 } },
    });
    expect(badBody.response.status).toBe(400);
    expect(badBody.error?.error.message).toMatch(/temperature/);
    const unknownOption = await client.POST('/v1/jobs', {
      body: { input: { type: 'upload' }, options: { colour: 'red' } as never },
    });
    expect(unknownOption.response.status).toBe(400);
  });

  it('answers 404 not_found for a missing job and an unknown route', async () => {
    const { client, app } = setup();
    const missing = await client.GET('/v1/jobs/{id}', { params: { path: { id: 'job_nope' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.error).toEqual({ code: 'not_found', message: 'no job job_nope' });
    const route = await app.request('/v1/nothing', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(route.status).toBe(404);
    expect(await route.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('refuses an inline input over the limit and a body over the request limit with 413', async () => {
    const { client, app } = setup({ config: { maxInlineBytes: 100, maxRequestBytes: 1_000 } });
    const inline = await client.POST('/v1/jobs', {
      body: { input: { type: 'inline', content: lines('x'.repeat(200)) } },
    });
    expect(inline.response.status).toBe(413);
    expect(inline.error?.error.code).toBe('payload_too_large');
    expect(inline.error?.error.message).toMatch(/"type": "upload"/);
    const huge = await app.request('/v1/jobs', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { type: 'inline', content: 'y'.repeat(5_000) } }),
    });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('answers a failing store with 503 and a generic message, logging the details', async () => {
    const { h, app, log } = setup();
    h.jobs.getJob = async () => {
      throw new JobStoreError('table is throttling', { code: 'unavailable' });
    };
    const response = await app.request('/v1/jobs/job_1', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unavailable');
    expect(body.error.message).not.toMatch(/throttling/);
    expect(
      log.entries.some((e) => e.level === 'error' && String(e.fields?.['message']).includes('throttling')),
    ).toBe(true);
  });
});

describe('jobs', () => {
  it('creates a job from an inline file, runs it, and shows it finished with counts, tokens and links', async () => {
    const { client, h } = setup();
    const created = await client.POST('/v1/jobs', {
      body: {
        input: { type: 'inline', content: lines('a', 'bb', 'ccc') },
        options: { temperature: 0.2 },
        metadata: { team: 'search' },
      },
    });
    expect(created.response.status).toBe(201);
    const job = created.data?.job;
    if (job === undefined) throw new Error('no job');
    expect(job).toMatchObject({
      status: 'queued',
      input: { key: `inputs/${job.id}.jsonl`, uploaded: true },
      options: { temperature: 0.2 },
      metadata: { team: 'search' },
      parent_job_id: null,
      progress: { basis: 'live', lines_total: 3, lines_done: 0 },
    });
    expect(created.data?.upload).toBeNull();
    await h.drain();
    const done = await client.GET('/v1/jobs/{id}', { params: { path: { id: job.id } } });
    expect(done.data).toMatchObject({
      status: 'completed',
      progress: { basis: 'summary', lines_total: 3, lines_done: 3, succeeded: 3, failed: 0 },
      tokens: { prompt_tokens: 6, lines_with_usage: 3 },
      eta: null,
    });
    expect(h.model.calls.map((call) => call.body.temperature)).toEqual([0.2, 0.2, 0.2]);
    const results = await client.GET('/v1/jobs/{id}/results', { params: { path: { id: job.id } } });
    expect(results.data?.lines).toBeNull();
    const url = new URL(results.data?.files?.results.url ?? '');
    expect(url.pathname).toBe(`/jobs/${job.id}/results.jsonl`);
    expect(url.searchParams.get('expires-in')).toBe('900');
  });

  it('returns the same job for a repeated Idempotency-Key, and 409 for the key with another body', async () => {
    const { client, h } = setup();
    const body = { input: { type: 'inline' as const, content: lines('once') } };
    const headers = { 'idempotency-key': 'key-1' };
    const first = await client.POST('/v1/jobs', { body, params: { header: headers } });
    const again = await client.POST('/v1/jobs', { body, params: { header: headers } });
    expect([first.response.status, again.response.status]).toEqual([201, 200]);
    expect(again.data?.job.id).toBe(first.data?.job.id);
    const other = await client.POST('/v1/jobs', {
      body: { input: { type: 'inline', content: lines('twice') } },
      params: { header: headers },
    });
    expect(other.response.status).toBe(409);
    expect(other.error?.error.code).toBe('conflict');
    await h.drain();
    expect(h.model.calls).toHaveLength(1);
    const listed = await client.GET('/v1/jobs', {});
    expect(listed.data?.data.map((job) => job.id)).toEqual([first.data?.job.id]);
  });

  it('hands out an upload slot for a large file; the job waits for it', async () => {
    const { client, expected, h } = setup();
    const created = await client.POST('/v1/jobs', { body: { input: { type: 'upload' } } });
    expect(created.response.status).toBe(201);
    const { job, upload } = created.data ?? {};
    expect(job).toMatchObject({ status: 'validating', input: { bytes: null, uploaded: false } });
    expect(upload).toMatchObject({
      method: 'PUT',
      headers: { 'content-type': 'application/x-ndjson', 'x-amz-meta-thinkbatch-job-id': job?.id },
      expires_at: new Date(h.clock.now() + 900_000).toISOString(),
    });
    expect(expected).toEqual([{ key: job?.input.key, until: h.clock.now() + 900_000 }]);
  });

  it('lists jobs newest first, by status and input key, page by page', async () => {
    const { client, h } = setup();
    const ids: string[] = [];
    for (const prompt of ['p1', 'p2', 'p3']) {
      const created = await client.POST('/v1/jobs', {
        body: { input: { type: 'inline', content: lines(prompt) } },
      });
      ids.push(created.data?.job.id ?? '');
      h.clock.advance(1_000);
    }
    await h.drain();
    await client.POST('/v1/jobs', { body: { input: { type: 'upload' } } });
    const first = await client.GET('/v1/jobs', { params: { query: { limit: 2, status: 'completed' } } });
    expect(first.data?.data.map((job) => job.id)).toEqual([ids[2], ids[1]]);
    expect(first.data?.data[0]?.progress).toMatchObject({ basis: 'complete_chunks', succeeded: 1 });
    const second = await client.GET('/v1/jobs', {
      params: { query: { limit: 2, status: 'completed', ...after(first.data?.next_cursor) } },
    });
    expect(second.data).toMatchObject({ data: [{ id: ids[0] }], next_cursor: null });
    const byKey = await client.GET('/v1/jobs', {
      params: { query: { input_key: `inputs/${ids[1]}.jsonl` } },
    });
    expect(byKey.data?.data.map((job) => job.id)).toEqual([ids[1]]);
    const validating = await client.GET('/v1/jobs', { params: { query: { status: 'validating' } } });
    expect(validating.data?.data).toHaveLength(1);
  });

  it('shows the lines finished so far while a job runs, in order, up to the first one still running', async () => {
    const { client, h } = setup();
    const created = await client.POST('/v1/jobs', {
      body: {
        input: { type: 'inline', content: lines('a', 'b', 'c', 'd', 'e') },
        options: { linesPerChunk: 2 },
      },
    });
    const id = created.data?.job.id ?? '';
    const before = await client.GET('/v1/jobs/{id}/results', { params: { path: { id } } });
    expect(before.data).toMatchObject({ files: null, lines: { data: [] } });
    // Run the second chunk only: lines 3 and 4 finish, but line 1 still runs, so nothing is shown yet.
    const queued = h.queue.drain();
    const run = async (index: number) => {
      const item = queued[index];
      if (item === undefined) throw new Error('no item');
      await processWorkMessage(h.deps, item.message, {
        deadline: h.clock.now() + 900_000,
        limiter: createLimiter(4),
      });
    };
    await run(1);
    const gap = await client.GET('/v1/jobs/{id}/results', { params: { path: { id } } });
    expect(gap.data?.lines?.data).toEqual([]);
    await run(0);
    const some = await client.GET('/v1/jobs/{id}/results', {
      params: { path: { id }, query: { limit: 3, ...after(gap.data?.lines?.next_cursor) } },
    });
    expect(some.data?.lines?.data.map((r) => r.line)).toEqual([1, 2, 3]);
    const rest = await client.GET('/v1/jobs/{id}/results', {
      params: { path: { id }, query: after(some.data?.lines?.next_cursor) },
    });
    expect(rest.data?.lines?.data.map((r) => r.line)).toEqual([4]);
    h.clock.advance(60_000);
    const running = await client.GET('/v1/jobs/{id}', { params: { path: { id } } });
    expect(running.data?.progress).toMatchObject({ basis: 'live', lines_done: 4, lines_total: 5 });
    // 4 lines in a minute (plus the few fake-clock ms the rate gate's pacing took before the advance):
    // the fifth is due about 15 s from now.
    const eta = Date.parse(running.data?.eta ?? '');
    expect(eta).toBeGreaterThan(h.clock.now());
    expect(eta).toBeLessThanOrEqual(h.clock.now() + 15_100);
    expect(running.data?.throughput.lines_per_minute).toBeGreaterThanOrEqual(4);
  });
});

describe('cancel and retry', () => {
  it('cancels a running job (409 once it ended) and the job finalizes cancelled', async () => {
    const { client, h } = setup();
    const created = await client.POST('/v1/jobs', {
      body: { input: { type: 'inline', content: lines('a', 'b') } },
    });
    const id = created.data?.job.id ?? '';
    const cancelled = await client.POST('/v1/jobs/{id}/cancel', { params: { path: { id } } });
    expect(cancelled.data).toMatchObject({ id, cancel_requested: true });
    await h.drain();
    const done = await client.GET('/v1/jobs/{id}', { params: { path: { id } } });
    expect(done.data).toMatchObject({ status: 'cancelled', progress: { cancelled: 2, lines_done: 2 } });
    expect(h.model.calls).toHaveLength(0);
    const again = await client.POST('/v1/jobs/{id}/cancel', { params: { path: { id } } });
    expect(again.response.status).toBe(409);
    expect(again.error?.error.message).toBe(`job ${id} is cancelled already: nothing to cancel`);
  });

  it('retries only the failed lines in a new job linked to its parent', async () => {
    let broken = true;
    const { client, h } = setup({ fail: (prompt) => broken && prompt.startsWith('flaky') });
    const created = await client.POST('/v1/jobs', {
      body: { input: { type: 'inline', content: `${lines('ok', 'flaky-1', 'flaky-2')}\n{bad` } },
    });
    const id = created.data?.job.id ?? '';
    const early = await client.POST('/v1/jobs/{id}/retry', { params: { path: { id } } });
    expect(early.response.status).toBe(409);
    await h.drain();
    broken = false;
    const retry = await client.POST('/v1/jobs/{id}/retry', {
      params: { path: { id }, header: { 'idempotency-key': 'retry-1' } },
      body: {},
    });
    expect(retry.response.status).toBe(201);
    const retryId = retry.data?.job.id ?? '';
    expect(retry.data?.job).toMatchObject({ parent_job_id: id, progress: { lines_total: 2 } });
    const replay = await client.POST('/v1/jobs/{id}/retry', {
      params: { path: { id }, header: { 'idempotency-key': 'retry-1' } },
      body: {},
    });
    expect([replay.response.status, replay.data?.job.id]).toEqual([200, retryId]);
    await h.drain();
    const done = await client.GET('/v1/jobs/{id}', { params: { path: { id: retryId } } });
    expect(done.data).toMatchObject({ status: 'completed', progress: { succeeded: 2, failed: 0 } });
    const nothing = await client.POST('/v1/jobs/{id}/retry', { params: { path: { id: retryId } } });
    expect(nothing.response.status).toBe(422);
    expect(nothing.error?.error.code).toBe('unprocessable');
  });
});
