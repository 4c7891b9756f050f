import { JobSummary } from '@thinkbatch/core';
import { promptKey } from '@thinkbatch/simulator';
import { describe, expect, it } from 'vitest';
import { createInline, download, jsonl, parseResults, waitForJob } from './api-helpers';
import { useServe } from './serve-fixture';

// Prompts containing `slow` take 400 ms to answer: long enough to watch a job run.
const serve = useServe({ promptFaults: [{ match: 'slow', fault: { kind: 'slowHeaders', delayMs: 400 } }] });

describe('thinkbatch serve: creating jobs', () => {
  it('runs an inline file, shows it finished, and links results, errors and summary that download', async () => {
    const { client } = serve;
    const created = await client.POST('/v1/jobs', {
      body: {
        input: { type: 'inline', content: `${jsonl(['What is 2+2?', 'Is 97 prime?'])}{broken\n` },
        options: { temperature: 0.3, maxAttempts: 2 },
        metadata: { team: 'search', run: '7' },
      },
    });
    expect(created.response.status).toBe(201);
    const id = created.data?.job.id ?? '';
    expect(created.data).toMatchObject({
      job: {
        options: { temperature: 0.3, maxAttempts: 2 },
        metadata: { team: 'search', run: '7' },
        input: { uploaded: true },
      },
      upload: null,
    });
    const job = await waitForJob(client, id);
    expect(job).toMatchObject({
      status: 'completed',
      progress: { basis: 'summary', lines_total: 3, lines_done: 3, succeeded: 2, failed: 1 },
      eta: null,
      error: null,
    });
    expect(job.tokens.completion_tokens).toBeGreaterThan(job.tokens.reasoning_tokens);
    expect(job.throughput.lines_per_minute).toBeGreaterThan(0);

    const { data } = await client.GET('/v1/jobs/{id}/results', { params: { path: { id } } });
    expect(data?.lines).toBeNull();
    const files = data?.files;
    if (files === undefined || files === null) throw new Error('no files');
    expect(files.openai_batch).toBeNull();
    const results = parseResults(await download(files.results.url));
    expect(results.map((r) => [r.line, r.status])).toEqual([
      [1, 'succeeded'],
      [2, 'succeeded'],
      [3, 'failed'],
    ]);
    expect(parseResults(await download(files.errors.url)).map((r) => r.error?.code)).toEqual([
      'invalid_json',
    ]);
    const summary = JobSummary.parse(JSON.parse(await download(files.summary.url)));
    expect(summary.counts).toEqual({ total: 3, succeeded: 2, failed: 1, cancelled: 0, expired: 0 });
    expect(summary.usage).toEqual(job.tokens);
    const calls = serve.simulator.stats().callsByPrompt;
    expect(calls[promptKey([{ role: 'user', content: 'What is 2+2?' }])]).toBe(1);
  });

  it('creates a job once for a repeated Idempotency-Key (same body), 409 for the key with another body', async () => {
    const { client } = serve;
    const body = { input: { type: 'inline' as const, content: jsonl(['idempotent prompt']) } };
    const header = { 'idempotency-key': `create-${Date.now()}` };
    const responses = await Promise.all(
      [1, 2, 3].map(() => client.POST('/v1/jobs', { body, params: { header } })),
    );
    const ids = new Set(responses.map((r) => r.data?.job.id));
    expect(ids.size).toBe(1);
    expect(responses.map((r) => r.response.status).sort()).toEqual([200, 200, 201]);
    const [id] = ids;
    await waitForJob(client, id ?? '');
    const replay = await client.POST('/v1/jobs', { body, params: { header } });
    expect([replay.response.status, replay.data?.job.status]).toEqual([200, 'completed']);
    const calls = serve.simulator.stats().callsByPrompt;
    expect(calls[promptKey([{ role: 'user', content: 'idempotent prompt' }])]).toBe(1);
    const other = await client.POST('/v1/jobs', {
      body: { input: { type: 'inline', content: jsonl(['another prompt']) } },
      params: { header },
    });
    expect([other.response.status, other.error?.error.code]).toEqual([409, 'conflict']);
  });

  it('hands out an upload slot; a PUT of the file with its headers starts the job', async () => {
    const { client } = serve;
    const created = await client.POST('/v1/jobs', { body: { input: { type: 'upload' } } });
    expect(created.response.status).toBe(201);
    const { job, upload } = created.data ?? {};
    if (job === undefined || upload === undefined || upload === null) throw new Error('no upload slot');
    expect(job).toMatchObject({ status: 'validating', input: { uploaded: false, bytes: null } });
    const content = jsonl(Array.from({ length: 30 }, (_, i) => `uploaded question ${i}`));
    const put = await fetch(upload.url, { method: upload.method, headers: upload.headers, body: content });
    expect(put.status).toBe(200);
    const done = await waitForJob(client, job.id);
    expect(done).toMatchObject({
      status: 'completed',
      input: { uploaded: true, bytes: Buffer.byteLength(content) },
      progress: { succeeded: 30 },
    });
  });
});

describe('thinkbatch serve: following jobs', () => {
  it('shows a running job’s live counts, throughput and ETA, and the lines finished so far', async () => {
    const { client } = serve;
    // Long enough to outlast the counter's pacing: a chunk's first line shows at once, then its
    // invocation pushes at most once a second (\`progress-push-pacer.ts\`).
    const LINES = 48;
    const prompts = Array.from({ length: LINES }, (_, i) => `slow question ${i}`);
    const { id } = await createInline(client, jsonl(prompts), { linesPerChunk: LINES });
    const running = await waitForJob(
      client,
      id,
      (job) => job.progress.lines_done >= 4 && job.status === 'running',
    );
    expect(running.progress).toMatchObject({
      basis: 'live',
      lines_total: LINES,
      chunks_total: 1,
      chunks_done: 0,
    });
    expect(running.progress.lines_done).toBeLessThan(LINES);
    expect(running.throughput.lines_per_minute).toBeGreaterThan(0);
    expect(Date.parse(running.eta ?? '')).toBeGreaterThan(Date.now() - 1_000);
    expect(running.tokens.lines_with_usage).toBe(running.progress.succeeded);

    // Lines so far: in input order, from line 1 up to the first one still running, paged by cursor.
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 200 && seen.length < LINES; page += 1) {
      const { data } = await client.GET('/v1/jobs/{id}/results', {
        params: { path: { id }, query: { limit: 5, ...(cursor === undefined ? {} : { cursor }) } },
      });
      if (data?.files != null) break;
      const lines = data?.lines;
      if (lines == null) throw new Error('neither files nor lines');
      seen.push(...lines.data.map((r) => r.line));
      for (const r of lines.data) expect(r.status).toBe('succeeded');
      cursor = lines.next_cursor ?? undefined;
      if (lines.data.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    const done = await waitForJob(client, id);
    expect(done.progress).toMatchObject({ basis: 'summary', succeeded: LINES });
  });

  it('lists jobs newest first, pages without gaps, filters by status and finds a plain upload by its key', async () => {
    const { client, handle } = serve;
    const mine: string[] = [];
    for (const n of [1, 2, 3]) mine.push((await createInline(client, jsonl([`listed ${n}`]))).id);
    // A job started by a plain upload to the input bucket (no API): found by its object key.
    const key = `inputs/plain-${Date.now()}.jsonl`;
    const plainId = await handle.runtime.submit(jsonl(['plain upload']), {
      name: key.slice('inputs/'.length),
    });
    for (const id of [...mine, plainId]) await waitForJob(client, id);

    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const { data } = await client.GET('/v1/jobs', {
        params: { query: { limit: 2, ...(cursor === undefined ? {} : { cursor }) } },
      });
      all.push(...(data?.data.map((job) => job.id) ?? []));
      cursor = data?.next_cursor ?? undefined;
    } while (cursor !== undefined);
    expect(new Set(all).size).toBe(all.length);
    const order = all.filter((id) => [...mine, plainId].includes(id));
    expect(order).toEqual([plainId, ...[...mine].reverse()]);

    const completed = await client.GET('/v1/jobs', {
      params: { query: { status: 'completed', limit: 100 } },
    });
    expect(completed.data?.data.every((job) => job.status === 'completed')).toBe(true);
    expect(completed.data?.data.map((job) => job.id)).toEqual(expect.arrayContaining([...mine, plainId]));
    const byKey = await client.GET('/v1/jobs', { params: { query: { input_key: key } } });
    expect(byKey.data?.data).toMatchObject([{ id: plainId, input: { key }, status: 'completed' }]);
    const none = await client.GET('/v1/jobs', { params: { query: { input_key: key, status: 'failed' } } });
    expect(none.data).toEqual({ data: [], next_cursor: null });
  });
});
