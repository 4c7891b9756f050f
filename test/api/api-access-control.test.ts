import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { API_RATE_LIMIT_ENV, API_READ_TOKEN_ENV } from '@thinkbatch/api';
import { describe, expect, it } from 'vitest';
import { jsonl } from './api-helpers';
import { createDocumentClient } from './document-client';
import { useServe } from './serve-fixture';

const READ_TOKEN = 'read-only-0123456789abcdef';
const LIMIT = 12;
const serve = useServe({}, { [API_READ_TOKEN_ENV]: READ_TOKEN, [API_RATE_LIMIT_ENV]: `${LIMIT}/60` });

// Every call goes through the client generated from the checked-in document, which also checks each
// answer against it: the 403 and 429 below are declared, with their bodies.
describe('thinkbatch serve: scopes and rate limits over HTTP', () => {
  it('lets a read-only token read but answers 403 forbidden to create, cancel and retry', async () => {
    const reader = createDocumentClient({ baseUrl: serve.url, token: READ_TOKEN });
    const created = await serve.client.POST('/v1/jobs', {
      body: { input: { type: 'inline', content: jsonl(['1+1']) } },
    });
    const id = created.data?.job.id ?? '';
    expect(created.response.status).toBe(201);
    expect((await reader.GET('/v1/jobs/{id}', { params: { path: { id } } })).response.status).toBe(200);
    const refusals = [
      await reader.POST('/v1/jobs', { body: { input: { type: 'inline', content: jsonl(['2+2']) } } }),
      await reader.POST('/v1/jobs/{id}/cancel', { params: { path: { id } } }),
      await reader.POST('/v1/jobs/{id}/retry', { params: { path: { id } } }),
    ];
    for (const { response, error } of refusals) {
      expect(response.status).toBe(403);
      expect(error?.error.code).toBe('forbidden');
    }
    const list = await serve.client.GET('/v1/jobs');
    expect(list.data?.data.map((job) => job.id)).toEqual([id]);
    await new Promise((resolve) => setTimeout(resolve, 200)); // logs are written asynchronously
    const log = await readFile(join(serve.handle.dataDir, 'serve.log'), 'utf8');
    expect(log).toContain('"status":403');
    expect(log).not.toContain(READ_TOKEN);
    expect(log).not.toContain(serve.token);
  });

  it('answers 429 too_many_requests with Retry-After once a token used its window, the other token unaffected', async () => {
    const reader = createDocumentClient({ baseUrl: serve.url, token: READ_TOKEN });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < LIMIT + 2; i += 1) {
      const { response } = await serve.client.GET('/v1/jobs');
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    // The first test's requests counted too: the limit is reached within this loop.
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    const limited = await serve.client.GET('/v1/jobs');
    expect(limited.error?.error.code).toBe('too_many_requests');
    // The read-only token used fewer than its own 12.
    const read = await reader.GET('/v1/jobs');
    expect(read.response.status).toBe(200);
    expect(Number(read.response.headers.get('ratelimit-remaining'))).toBeGreaterThan(0);
    expect((await fetch(`${serve.url}/v1/health`)).status).toBe(200);
  });
});
