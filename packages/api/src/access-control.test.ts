import { createPipelineHarness, createRecordingLogger } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { type ApiConfigInput, parseApiConfig } from './api-deps';
import { createApiApp } from './app';

const TOKEN = 'full-token-0123456789abcdef';
const READ_TOKEN = 'read-token-0123456789abcdef';

function setup(config: ApiConfigInput = {}) {
  const h = createPipelineHarness();
  const log = createRecordingLogger();
  const app = createApiApp({
    jobs: h.jobs,
    input: h.input,
    output: h.output,
    uploads: { uploaded: async () => {}, expect: () => {} },
    clock: h.clock,
    log,
    token: TOKEN,
    readToken: READ_TOKEN,
    config: parseApiConfig(config),
  });
  const as = (token: string, path: string, init: RequestInit = {}) =>
    app.request(path, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
  return { app, as, log };
}

const createBody = JSON.stringify({ input: { type: 'inline', content: '{"prompt":"2+2"}' } });

describe('a read-only token', () => {
  it('lists and reads jobs but is refused 403 forbidden for create, cancel and retry', async () => {
    const { as, log } = setup();
    const created = await as(TOKEN, '/v1/jobs', { method: 'POST', body: createBody });
    expect(created.status).toBe(201);
    const { job } = (await created.json()) as { job: { id: string } };
    expect((await as(READ_TOKEN, '/v1/jobs')).status).toBe(200);
    expect((await as(READ_TOKEN, `/v1/jobs/${job.id}`)).status).toBe(200);
    for (const path of ['/v1/jobs', `/v1/jobs/${job.id}/cancel`, `/v1/jobs/${job.id}/retry`]) {
      const refused = await as(READ_TOKEN, path, { method: 'POST', body: createBody });
      expect(refused.status).toBe(403);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('forbidden');
      expect(body.error.message).toMatch(/read-only/);
      expect(body.error.message).not.toContain(READ_TOKEN);
    }
    // Nothing was created or cancelled by the refused requests.
    const list = JSON.stringify(await (await as(TOKEN, '/v1/jobs')).json());
    expect(list.split('"id":"').length - 1).toBe(1);
    const read = (await (await as(TOKEN, `/v1/jobs/${job.id}`)).json()) as { status: string };
    expect(read.status).not.toBe('cancelled');
    expect(JSON.stringify(log.entries)).not.toContain(READ_TOKEN);
    expect(JSON.stringify(log.entries)).not.toContain(TOKEN);
  });

  it('is refused as a configuration when it is short or the same as the token', () => {
    const h = createPipelineHarness();
    const deps = {
      jobs: h.jobs,
      input: h.input,
      output: h.output,
      uploads: { uploaded: async () => {}, expect: () => {} },
      clock: h.clock,
      log: h.deps.log,
      token: TOKEN,
    };
    expect(() => createApiApp({ ...deps, readToken: 'short' })).toThrow(/at least 16/);
    expect(() => createApiApp({ ...deps, readToken: TOKEN })).toThrow(/differ/);
  });
});

describe('the rate limit', () => {
  it('answers 429 too_many_requests with Retry-After past the limit, counted per token', async () => {
    const { as, app } = setup({ rateLimit: { requests: 3, windowSeconds: 60 } });
    for (let i = 0; i < 3; i += 1) {
      const ok = await as(TOKEN, '/v1/jobs');
      expect(ok.status).toBe(200);
      expect(ok.headers.get('ratelimit-remaining')).toBe(String(2 - i));
    }
    const limited = await as(TOKEN, '/v1/jobs');
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ error: { code: 'too_many_requests' } });
    // A write is limited too, before its scope is looked at.
    expect((await as(TOKEN, '/v1/jobs', { method: 'POST', body: createBody })).status).toBe(429);
    // The other token has its own count; the health check and wrong tokens are not counted (401).
    expect((await as(READ_TOKEN, '/v1/jobs')).status).toBe(200);
    expect((await app.request('/v1/health')).status).toBe(200);
    expect((await as(`${TOKEN}x`, '/v1/jobs')).status).toBe(401);
  });

  it('can be turned off', async () => {
    const { as } = setup({ rateLimit: null });
    for (let i = 0; i < 30; i += 1) expect((await as(TOKEN, '/v1/jobs')).status).toBe(200);
  });
});
