import { bucketNotifications } from '@thinkbatch/api';
import { systemClock } from '@thinkbatch/core';
import {
  createInMemoryJobStore,
  createInMemoryObjectStore,
  createRecordingLogger,
} from '@thinkbatch/testing';
import type { LambdaEvent } from 'hono/aws-lambda';
import { describe, expect, it } from 'vitest';
import { apiDepsFromEnvironment, createApiHandler } from './api';

const TOKEN = 'lambda-test-token-0123456789';

/** A Function URL (payload 2.0) request, as Lambda delivers it. */
function urlEvent(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): LambdaEvent {
  const [rawPath = '/', rawQueryString = ''] = path.split('?');
  const event: LambdaEvent = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { host: 'abc.lambda-url.us-east-1.on.aws', ...options.headers },
    body: options.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      domainName: 'abc.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'test' },
      authentication: null,
      authorizer: {},
      requestId: 'r1',
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
  };
  return event;
}

describe('the API Lambda handler', () => {
  const jobs = createInMemoryJobStore();
  const handler = createApiHandler(() => ({
    jobs,
    input: createInMemoryObjectStore('inputs'),
    output: createInMemoryObjectStore('outputs'),
    uploads: bucketNotifications,
    clock: systemClock,
    log: createRecordingLogger(),
    token: TOKEN,
  }));

  it('answers Function URL events: health without a token, 401 without one elsewhere', async () => {
    const health = await handler(urlEvent('GET', '/v1/health'));
    expect([health.statusCode, JSON.parse(health.body)]).toEqual([200, { status: 'ok' }]);
    const refused = await handler(urlEvent('GET', '/v1/jobs'));
    expect(refused.statusCode).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it('creates a job awaiting its upload, with a slot that carries the job id', async () => {
    const created = await handler(
      urlEvent('POST', '/v1/jobs', {
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ input: { type: 'upload' }, metadata: { via: 'lambda' } }),
      }),
    );
    expect(created.statusCode).toBe(201);
    const body = JSON.parse(created.body);
    expect(body.upload.headers['x-amz-meta-thinkbatch-job-id']).toBe(body.job.id);
    expect((await jobs.getJob(body.job.id))?.metadata).toEqual({ via: 'lambda' });
    const listed = await handler(
      urlEvent('GET', `/v1/jobs?input_key=${encodeURIComponent(body.job.input.key)}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    );
    expect(JSON.parse(listed.body).data.map((job: { id: string }) => job.id)).toEqual([body.job.id]);
  });
});

describe('apiDepsFromEnvironment', () => {
  it('takes bucket and table names, index names and the token from the links', () => {
    const deps = apiDepsFromEnvironment({
      ApiInputs: { name: 'in-bucket' },
      ApiOutputs: { name: 'out-bucket' },
      JobsTable: { name: 'jobs' },
      JobListIndexes: { byStatus: 'jobs-by-status', byInput: 'jobs-by-input' },
      ApiToken: { value: TOKEN },
    });
    expect([deps.input.bucket, deps.output.bucket, deps.token]).toEqual(['in-bucket', 'out-bucket', TOKEN]);
    expect(deps.uploads).toBe(bucketNotifications);
    expect(deps.labelling).toBeNull();
  });

  it('gives the labelling routes their bucket when it is linked', () => {
    const deps = apiDepsFromEnvironment({
      ApiInputs: { name: 'in-bucket' },
      ApiOutputs: { name: 'out-bucket' },
      JobsTable: { name: 'jobs' },
      JobListIndexes: { byStatus: 'jobs-by-status', byInput: 'jobs-by-input' },
      ApiToken: { value: TOKEN },
      LabellingBucket: { name: 'labelling-bucket' },
    });
    expect(deps.labelling?.deps.store.bucket).toBe('labelling-bucket');
    expect(deps.labelling?.deps.input.bucket).toBe('in-bucket');
  });

  it('takes the read-only token from its secret, none while the secret holds its placeholder', () => {
    const links = {
      ApiInputs: { name: 'in-bucket' },
      ApiOutputs: { name: 'out-bucket' },
      JobsTable: { name: 'jobs' },
      JobListIndexes: { byStatus: 'jobs-by-status', byInput: 'jobs-by-input' },
      ApiToken: { value: TOKEN },
    };
    const readToken = 'read-only-token-0123456789';
    expect(apiDepsFromEnvironment({ ...links, ApiReadToken: { value: readToken } }).readToken).toBe(
      readToken,
    );
    expect(apiDepsFromEnvironment({ ...links, ApiReadToken: { value: 'none' } }).readToken).toBeNull();
    expect(apiDepsFromEnvironment(links).readToken).toBeNull();
  });
});
