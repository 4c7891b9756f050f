import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useServe } from '../api/serve-fixture';

/**
 * Every route of the API, taken from its OpenAPI document (the one `serve` serves and the checked-in
 * one), refuses a request without the right bearer token: a route added later is covered without
 * touching this file. A route is public only where the document says so (`security: []`).
 */
const serve = useServe();

interface Operation {
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly parameters?: readonly { readonly name: string; readonly in: string }[];
}
type Document = { readonly paths: Record<string, Record<string, Operation>> };

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
const checkedIn = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../packages/api/openapi.json'), 'utf8'),
) as Document;

function routesOf(document: Document): { method: string; path: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/** A concrete URL path for a templated one: every path parameter a well-formed job id. */
const concrete = (path: string): string => path.replace(/\{[^}]+\}/g, 'job_security_1');

/** Ways a request can come without the right credentials. */
function wrongCredentials(token: string): [string, Record<string, string>, string][] {
  const sameLength = token.replace(/.$/, (last) => (last === 'x' ? 'y' : 'x'));
  return [
    ['no Authorization header', {}, ''],
    ['an empty bearer', { authorization: 'Bearer ' }, ''],
    ['a wrong token of the same length', { authorization: `Bearer ${sameLength}` }, ''],
    ['the token with a suffix', { authorization: `Bearer ${token}x` }, ''],
    ['a prefix of the token', { authorization: `Bearer ${token.slice(0, -1)}` }, ''],
    [
      'the token under another scheme',
      { authorization: `Basic ${Buffer.from(`u:${token}`).toString('base64')}` },
      '',
    ],
    ['the token as a bare header value', { authorization: token }, ''],
    [
      'the token in the query string',
      {},
      `?token=${encodeURIComponent(token)}&access_token=${encodeURIComponent(token)}`,
    ],
    ['the token in another header', { 'x-api-key': token, cookie: `token=${token}` }, ''],
  ];
}

describe('every API route refuses missing or wrong credentials', () => {
  it('serves the checked-in document, so the routes iterated are the ones the app has', async () => {
    const served = await fetch(`${serve.url}/v1/openapi.json`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(checkedIn);
  });

  it('declares only the health check public, and bearer auth for the rest', () => {
    const publicRoutes = routesOf(checkedIn)
      .filter(({ operation }) => operation.security !== undefined && operation.security.length === 0)
      .map(({ method, path }) => `${method} ${path}`);
    expect(publicRoutes).toEqual(['GET /v1/health']);
    expect(routesOf(checkedIn).length).toBeGreaterThanOrEqual(7);
  });

  it('answers 401 unauthenticated with a challenge, before validating anything, on every protected route', async () => {
    const protectedRoutes = routesOf(checkedIn).filter(
      ({ operation }) => operation.security === undefined || operation.security.length > 0,
    );
    const refused: string[] = [];
    for (const { method, path } of protectedRoutes) {
      for (const [what, headers, query] of wrongCredentials(serve.token)) {
        const response = await fetch(`${serve.url}${concrete(path)}${query}`, {
          method,
          headers: { ...headers, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
          ...(method === 'GET' ? {} : { body: '{"not":"validated"}' }),
        });
        const text = await response.text();
        const where = `${method} ${path} with ${what}`;
        expect(response.status, where).toBe(401);
        expect(response.headers.get('www-authenticate'), where).toMatch(/^Bearer /);
        expect(JSON.parse(text), where).toMatchObject({ error: { code: 'unauthenticated' } });
        expect(text, where).not.toContain(serve.token);
        refused.push(where);
      }
    }
    expect(refused.length).toBe(protectedRoutes.length * wrongCredentials(serve.token).length);
  });

  it('also guards the document itself and paths it does not list', async () => {
    for (const path of ['/v1/openapi.json', '/v1/jobs/job_security_1/unknown', '/v1/admin']) {
      const response = await fetch(`${serve.url}${path}`);
      expect(response.status, path).toBe(401);
    }
  });

  it('serves without a token only the dashboard’s static files, which carry no job data', async () => {
    const created = await fetch(`${serve.url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { type: 'inline', content: '{"prompt":"dashboard canary"}\n' } }),
    });
    const { job } = (await created.json()) as { job: { id: string } };
    for (const path of [
      '/',
      '/dashboard/index.html',
      '/dashboard/dashboard.js',
      '/dashboard/..%2Fv1%2Fjobs',
      '/dashboard/%2e%2e/v1/jobs',
      `/dashboard/..%2Fv1%2Fjobs%2F${job.id}`,
    ]) {
      const response = await fetch(`${serve.url}${path}`);
      const text = await response.text();
      if (!path.includes(job.id)) expect(text, path).not.toContain(job.id); // (a 404 may echo the path)
      expect(text, path).not.toContain('dashboard canary');
      // A JSON answer here can only be an error (401 or 404), never a resource.
      if (/application\/json/.test(response.headers.get('content-type') ?? '')) {
        expect(response.status, path).toBeGreaterThanOrEqual(400);
        expect(Object.keys(JSON.parse(text) as object), path).toEqual(['error']);
      }
    }
  });

  it('lets the right token through on the same routes (the refusals above are about the credentials)', async () => {
    const response = await fetch(`${serve.url}/v1/jobs`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    expect(response.status).toBe(200);
  });
});
