import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_API_URL, jobIdArgument, normalizeApiUrl, openApiConnection } from './api-connection';
import { ClientError } from './client-error';
import { UsageError } from './usage-error';

describe('normalizeApiUrl', () => {
  it.each([
    ['http://127.0.0.1:8700/v1', 'http://127.0.0.1:8700'],
    ['http://127.0.0.1:8700/v1/', 'http://127.0.0.1:8700'],
    ['http://127.0.0.1:8700', 'http://127.0.0.1:8700'],
    ['https://abc.lambda-url.eu-west-1.on.aws/', 'https://abc.lambda-url.eu-west-1.on.aws'],
    ['https://example.com/prefix/v1', 'https://example.com/prefix'],
  ])('%s → %s', (given, expected) => {
    expect(normalizeApiUrl(given)).toBe(expected);
  });

  it.each(['127.0.0.1:8700', 'ftp://host', 'http://user:secret@host', 'http://host/?token=x'])(
    'refuses %s',
    (given) => {
      expect(() => normalizeApiUrl(given)).toThrow(UsageError);
    },
  );
});

describe('openApiConnection', () => {
  const warnings: string[] = [];
  const stderr = { write: (text: string) => warnings.push(text) };
  // A server that records the Authorization header and answers what the test says.
  const seen: (string | undefined)[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('takes --api and --token over the environment, and sends the token only as a bearer header', async () => {
    const connection = openApiConnection(
      { api: url, token: 'flag-token-0123456789' },
      { env: { THINKBATCH_API: 'http://127.0.0.1:1', THINKBATCH_API_TOKEN: 'env-token-0123456789' }, stderr },
    );
    answer = { status: 200, body: { data: [], next_cursor: null } };
    await expect(connection.call((client) => client.GET('/v1/jobs'))).resolves.toEqual({
      data: [],
      next_cursor: null,
    });
    expect(seen.at(-1)).toBe('Bearer flag-token-0123456789');
    expect(openApiConnection({}, { env: {}, stderr }).baseUrl).toBe(DEFAULT_API_URL);
    expect(openApiConnection({}, { env: { THINKBATCH_API: url }, stderr }).baseUrl).toBe(
      url.replace(/\/v1$/, ''),
    );
    expect(warnings).toEqual([]);
  });

  it('warns when the token would go unencrypted to another machine', () => {
    warnings.length = 0;
    openApiConnection({ api: 'http://10.0.0.5:8700', token: 'token-0123456789abcdef' }, { env: {}, stderr });
    openApiConnection({ api: 'https://10.0.0.5', token: 'token-0123456789abcdef' }, { env: {}, stderr });
    openApiConnection({ api: 'http://localhost:8700', token: 'token-0123456789abcdef' }, { env: {}, stderr });
    expect(warnings).toEqual([expect.stringContaining('unencrypted over http to 10.0.0.5:8700')]);
    expect(warnings.join('')).not.toContain('token-0123456789abcdef');
  });

  it('turns statuses into one-line errors with exit codes, never echoing the token', async () => {
    const token = 'secret-token-0123456789';
    const connection = openApiConnection({ api: url, token }, { env: {}, stderr });
    const failure = async (status: number, body: unknown, jobId?: string) => {
      answer = { status, body };
      const error = await connection
        .call((client) => client.GET('/v1/jobs/{id}', { params: { path: { id: 'job_1' } } }), jobId)
        .catch((e: unknown) => e);
      if (!(error instanceof ClientError)) throw new Error(`not a ClientError: ${String(error)}`);
      expect(error.message).not.toContain(token);
      return [error.exitCode, error.message, error.retryable];
    };
    const apiError = (code: string, message: string) => ({ error: { code, message } });
    expect(await failure(401, apiError('unauthenticated', 'no'))).toEqual([
      3,
      expect.stringContaining('refused the token (401)'),
      false,
    ]);
    expect(await failure(404, apiError('not_found', 'no'), 'job_1')).toEqual([
      4,
      'no such job: job_1',
      false,
    ]);
    expect(await failure(409, apiError('conflict', 'already \u001b[31mended'))).toEqual([
      1,
      'the API refused the request (409 conflict: already  [31mended)',
      false,
    ]);
    expect(await failure(503, apiError('unavailable', 'later'))).toEqual([1, expect.any(String), true]);
  });

  it('checks job ids before they go into a URL', () => {
    expect(jobIdArgument('job_20260101_abc')).toBe('job_20260101_abc');
    expect(() => jobIdArgument('../jobs')).toThrow(UsageError);
    expect(() => jobIdArgument(undefined)).toThrow('missing job id');
  });
});
