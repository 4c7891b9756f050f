import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiConnection } from './api-connection';
import { retryAfterMs } from './api-connection-retry-after';
import { CLIENT_EXIT_CODES, ClientError } from './client-error';

describe('retryAfterMs', () => {
  it.each([
    ['3', 3_000],
    [' 0 ', 0],
    ['Thu, 01 Jan 1970 00:00:05 GMT', 5_000],
    ['-1', null],
    ['soon', null],
    ['1.5', null],
    [null, null],
  ])('%s → %s', (given, expected) => {
    expect(retryAfterMs(given, 0)).toBe(expected);
  });
});

describe('the client commands against a rate-limiting API', () => {
  // A server answering each request with the next scripted answer (then 200), recording what it saw.
  const seen: { method: string; at: number }[] = [];
  let script: { status: number; headers?: Record<string, string>; body: unknown }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', at: performance.now() });
    const answer = script.shift() ?? { status: 200, body: { data: [], next_cursor: null } };
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  const connect = () =>
    openApiConnection(
      { api: url, token: 'token-0123456789abcdef' },
      { env: {}, stderr: { write: () => true } },
    );
  const limited = (seconds: string) => ({
    status: 429,
    headers: { 'retry-after': seconds },
    body: { error: { code: 'too_many_requests', message: 'too many requests' } },
  });

  it('waits out Retry-After on a 429 to a read and sends it again', async () => {
    seen.length = 0;
    script = [limited('1'), limited('0')];
    await expect(connect().call((client) => client.GET('/v1/jobs'))).resolves.toEqual({
      data: [],
      next_cursor: null,
    });
    expect(seen.map((request) => request.method)).toEqual(['GET', 'GET', 'GET']);
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('reports a 429 to a write at once, saying when to try again', async () => {
    seen.length = 0;
    script = [limited('7')];
    const error = await connect()
      .call((client) => client.POST('/v1/jobs/{id}/cancel', { params: { path: { id: 'job_1' } } }), 'job_1')
      .catch((caught: unknown) => caught);
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).message).toMatch(/rate-limiting this token \(429\).*try again in 7 s/);
    expect((error as ClientError).exitCode).toBe(CLIENT_EXIT_CODES.failed);
  });

  it('says a 403 comes from a read-only token, without printing the token', async () => {
    script = [{ status: 403, body: { error: { code: 'forbidden', message: 'this token is read-only' } } }];
    const error = (await connect()
      .call((client) => client.POST('/v1/jobs/{id}/retry', { params: { path: { id: 'job_1' } } }), 'job_1')
      .catch((caught: unknown) => caught)) as ClientError;
    expect(error.message).toMatch(/403 forbidden.*may only list and read jobs/);
    expect(error.message).not.toContain('token-0123456789abcdef');
    expect(error.exitCode).toBe(CLIENT_EXIT_CODES.unauthenticated);
  });
});
