import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonl } from './api-helpers';
import { createDocumentClient } from './document-client';
import { useServe } from './serve-fixture';

const serve = useServe();

describe('thinkbatch serve: auth', () => {
  it('prints its URL on 127.0.0.1, answers the health check without a token', async () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(serve.printed).toContain(`API at ${serve.url}/v1`);
    expect(serve.printed).not.toContain(serve.token); // it came from THINKBATCH_API_TOKEN: not printed
    const anonymous = createDocumentClient({ baseUrl: serve.url });
    const health = await anonymous.GET('/v1/health');
    expect([health.response.status, health.data]).toEqual([200, { status: 'ok' }]);
  });

  it('refuses every other route without a token and with a wrong one (401), and never logs the token', async () => {
    const anonymous = createDocumentClient({ baseUrl: serve.url });
    const wrong = createDocumentClient({ baseUrl: serve.url, token: `${serve.token}-not` });
    const calls = [
      (c: typeof anonymous) => c.GET('/v1/jobs'),
      (c: typeof anonymous) => c.GET('/v1/jobs/{id}', { params: { path: { id: 'job_1' } } }),
      (c: typeof anonymous) => c.POST('/v1/jobs', { body: { input: { type: 'upload' } } }),
      (c: typeof anonymous) => c.POST('/v1/jobs/{id}/cancel', { params: { path: { id: 'job_1' } } }),
      (c: typeof anonymous) => c.POST('/v1/jobs/{id}/retry', { params: { path: { id: 'job_1' } } }),
      (c: typeof anonymous) => c.GET('/v1/jobs/{id}/results', { params: { path: { id: 'job_1' } } }),
    ];
    for (const call of calls) {
      for (const client of [anonymous, wrong]) {
        const { response, error } = await call(client);
        expect(response.status).toBe(401);
        expect(error?.error.code).toBe('unauthenticated');
      }
    }
    const document = await fetch(`${serve.url}/v1/openapi.json`);
    expect(document.status).toBe(401);
    const authorized = await fetch(`${serve.url}/v1/openapi.json`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    const served = await authorized.json();
    const checkedIn = JSON.parse(
      await readFile(join(import.meta.dirname, '../../packages/api/openapi.json'), 'utf8'),
    );
    expect(served).toEqual(checkedIn);
    // Logs are written asynchronously: give the last lines a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const log = await readFile(join(serve.handle.dataDir, 'serve.log'), 'utf8');
    expect(log).toContain('"status":401');
    expect(log).not.toContain(serve.token);
  });
});

describe('thinkbatch serve: validation', () => {
  it('refuses malformed ids, bodies, queries and cursors with 400 invalid_value', async () => {
    const { client } = serve;
    const id = await client.GET('/v1/jobs/{id}', { params: { path: { id: 'job..1' } } });
    expect([id.response.status, id.error?.error.code]).toEqual([400, 'invalid_value']);
    const long = await client.POST('/v1/jobs/{id}/cancel', { params: { path: { id: 'j'.repeat(65) } } });
    expect(long.response.status).toBe(400);
    const body = await client.POST('/v1/jobs', {
      body: { input: { type: 'inline', content: jsonl(['x']) }, options: { maxAttempts: 0 } },
    });
    expect([body.response.status, body.error?.error.code]).toEqual([400, 'invalid_value']);
    expect(body.error?.error.message).toContain('maxAttempts');
    const metadata = await client.POST('/v1/jobs', {
      body: {
        input: { type: 'upload' },
        metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
      },
    });
    expect(metadata.response.status).toBe(400);
    const limit = await client.GET('/v1/jobs', { params: { query: { limit: 1_000 } } });
    expect(limit.response.status).toBe(400);
    const cursor = await client.GET('/v1/jobs', { params: { query: { cursor: 'not-a-cursor' } } });
    expect([cursor.response.status, cursor.error?.error.code]).toEqual([400, 'invalid_value']);
    const notJson = await fetch(`${serve.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
      body: '{"input":',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: 'invalid_value' } });
  });

  it('answers 404 for a job that does not exist', async () => {
    const missing = await serve.client.GET('/v1/jobs/{id}/results', {
      params: { path: { id: 'job_missing' } },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.error).toEqual({ code: 'not_found', message: 'no job job_missing' });
  });

  it('refuses an inline file over 4 MiB and a request over 6 MiB with 413 payload_too_large', async () => {
    const big = `${JSON.stringify({ prompt: 'x'.repeat(4 * 1024 * 1024) })}\n`;
    const inline = await serve.client.POST('/v1/jobs', { body: { input: { type: 'inline', content: big } } });
    expect([inline.response.status, inline.error?.error.code]).toEqual([413, 'payload_too_large']);
    const huge = await serve.client.POST('/v1/jobs', {
      body: { input: { type: 'inline', content: 'y'.repeat(7 * 1024 * 1024) } },
    });
    expect([huge.response.status, huge.error?.error.code]).toEqual([413, 'payload_too_large']);
    const jobs = await serve.client.GET('/v1/jobs');
    expect(jobs.data?.data).toEqual([]);
  });
});

describe('the document client', () => {
  it('fails a call whose response the document does not describe', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"fine"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const client = createDocumentClient({ baseUrl: `http://127.0.0.1:${port}` });
      await expect(client.GET('/v1/health')).rejects.toThrow(
        /the document refuses: data\/status must be equal to one of the allowed values/,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
