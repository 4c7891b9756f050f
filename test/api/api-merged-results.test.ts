import { mergeResults, type ResultLine } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { createInline, each, resultsOf, waitForJob } from './api-helpers';
import { useServe } from './serve-fixture';

// The endpoint refuses `fragile` lines the first 3 times (400: no retry), then answers them.
const serve = useServe({ promptFaults: [{ match: 'fragile', fault: 'http400', times: 3 }] });

describe('thinkbatch serve: merged results of a retry', () => {
  it('pages the parent’s lines with the retry’s merged over them by custom_id, as mergeResults does', async () => {
    const { client } = serve;
    const content = [
      JSON.stringify({ prompt: 'steady one' }),
      JSON.stringify({ prompt: 'fragile one' }),
      JSON.stringify({ custom_id: 'f2', prompt: 'fragile two' }),
      '{not json',
      JSON.stringify({ prompt: 'fragile three' }),
      JSON.stringify({ prompt: 'steady two' }),
      JSON.stringify({ prompt: 'steady three' }),
    ].join('\n'); // no final newline: the last line still counts
    const parent = await createInline(client, content);
    await waitForJob(client, parent.id);
    const retry = await client.POST('/v1/jobs/{id}/retry', { params: { path: { id: parent.id } } });
    const retryId = retry.data?.job.id ?? '';
    const early = await client.GET('/v1/jobs/{id}/merged-results', { params: { path: { id: retryId } } });
    // Right after the retry was created it has not ended: 409 (unless it was quicker than this request).
    if (early.response.status !== 200) expect(early.error?.error.code).toBe('conflict');
    await waitForJob(client, retryId);

    const pages: ResultLine[][] = [];
    let cursor: string | undefined;
    do {
      const page = await client.GET('/v1/jobs/{id}/merged-results', {
        params: { path: { id: retryId }, query: { limit: 3, ...(cursor !== undefined && { cursor }) } },
      });
      if (page.data === undefined) throw new Error(JSON.stringify(page.error));
      pages.push(page.data.data as ResultLine[]);
      cursor = page.data.next_cursor ?? undefined;
    } while (cursor !== undefined && pages.length < 10);
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);

    const expected: ResultLine[] = [];
    for await (const line of mergeResults(
      each(await resultsOf(serve.client, parent.id)),
      each(await resultsOf(serve.client, retryId)),
    ))
      expected.push(line);
    expect(pages.flat()).toEqual(expected);
    expect(pages.flat().map((r) => [r.line, r.custom_id, r.status])).toEqual([
      [1, 'line-1', 'succeeded'],
      [2, 'line-2', 'succeeded'],
      [3, 'f2', 'succeeded'],
      [4, 'line-4', 'failed'],
      [5, 'line-5', 'succeeded'],
      [6, 'line-6', 'succeeded'],
      [7, 'line-7', 'succeeded'],
    ]);

    const notRetry = await client.GET('/v1/jobs/{id}/merged-results', {
      params: { path: { id: parent.id } },
    });
    expect([notRetry.response.status, notRetry.error?.error.code]).toEqual([422, 'unprocessable']);
    const badCursor = await client.GET('/v1/jobs/{id}/merged-results', {
      params: { path: { id: retryId }, query: { cursor: 'bm90LWEtY3Vyc29y' } },
    });
    expect([badCursor.response.status, badCursor.error?.error.code]).toEqual([400, 'invalid_value']);
    const missing = await client.GET('/v1/jobs/{id}/merged-results', {
      params: { path: { id: 'job_none' } },
    });
    expect(missing.response.status).toBe(404);
    const anonymous = await fetch(`${serve.url}/v1/jobs/${retryId}/merged-results`);
    expect(anonymous.status).toBe(401);
  });
});
