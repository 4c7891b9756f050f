import { createHash } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import {
  AWAITING_UPLOAD_ETAG,
  ErrorCode,
  isAwaitingUpload,
  type JobRecord,
  jobIdForIdempotencyKey,
  STORAGE,
  UPLOAD_METADATA,
} from '@thinkbatch/core';
import type { ResolvedApiDeps } from '../api-deps';
import { ApiError } from '../api-error';
import { describeJob } from '../describe-job';
import { respond } from '../respond';
import { IdempotencyKeyHeader } from '../schemas/components';
import { CreateJobRequest, CreateJobResponse } from '../schemas/requests';
import { type ApiApp, BEARER, errorResponses } from './route-kit';

/** Content type of stored inputs. */
export const JSONL_CONTENT_TYPE = 'application/x-ndjson';

export const createJobRoute = createRoute({
  method: 'post',
  path: '/v1/jobs',
  operationId: 'createJob',
  summary: 'Create a job from a JSONL file, inline or through an upload slot',
  security: BEARER,
  request: {
    headers: z.object({ 'idempotency-key': IdempotencyKeyHeader }),
    body: { required: true, content: { 'application/json': { schema: CreateJobRequest } } },
  },
  responses: {
    201: {
      description:
        'Created. An inline input is stored and the job starts; an upload input waits for its PUT.',
      content: { 'application/json': { schema: CreateJobResponse } },
    },
    200: {
      description: 'A repeat of an earlier request (same `Idempotency-Key`, same body): that job.',
      content: { 'application/json': { schema: CreateJobResponse } },
    },
    ...errorResponses(400, 401, 403, 409, 413),
  },
});

/** A digest of what a request asks for, so a replay with another body is told apart. */
export function requestFingerprint(kind: string, body: unknown): string {
  return `sha256:${createHash('sha256')
    .update(`${kind}\n${JSON.stringify(body)}`)
    .digest('base64url')}`;
}

/** The job a create or retry names, and whether this request created it. */
export interface NamedJob {
  readonly job: JobRecord;
  readonly created: boolean;
}

/**
 * Create the job awaiting its input — or, for a replay of the same request, find it; the same
 * `Idempotency-Key` with another body is 409. The input key is `inputs/<jobId>.jsonl`.
 */
export async function createOrFindJob(
  deps: ResolvedApiDeps,
  request: {
    readonly jobId: string;
    readonly fingerprint: string;
    readonly options: JobRecord['options'];
    readonly metadata: JobRecord['metadata'];
    readonly parentJobId: string | null;
  },
): Promise<NamedJob> {
  const key = `${STORAGE.inputPrefix}${request.jobId}${STORAGE.inputSuffix}`;
  const { created, job } = await deps.jobs.createJob({
    jobId: request.jobId,
    input: { bucket: deps.input.bucket, key, etag: AWAITING_UPLOAD_ETAG, size: 0 },
    options: request.options,
    now: deps.clock.now(),
    metadata: request.metadata,
    parentJobId: request.parentJobId,
    requestFingerprint: request.fingerprint,
  });
  if (!created && job.requestFingerprint !== request.fingerprint) {
    throw new ApiError(
      `Idempotency-Key was already used for job ${job.jobId} with another request; use a new key for a new request`,
      { code: ErrorCode.conflict },
    );
  }
  return { job, created };
}

/**
 * Store a job's input and pin it, unless it is pinned already (a replay after the upload), then tell the
 * pipeline. The object carries the job id, so the bucket's event finds this job.
 */
export async function storeInput(
  deps: ResolvedApiDeps,
  job: JobRecord,
  body: string | AsyncIterable<Uint8Array>,
): Promise<JobRecord> {
  if (!isAwaitingUpload(job.input)) return job;
  const { key } = job.input;
  const put = { contentType: JSONL_CONTENT_TYPE, metadata: { [UPLOAD_METADATA.jobId]: job.jobId } };
  if (typeof body === 'string') await deps.input.put(key, body, put);
  else await deps.input.putStream(key, body, put);
  const info = await deps.input.head(key);
  if (info === null) throw new ApiError(`the input of job ${job.jobId} vanished after its upload`);
  const pinned = await deps.jobs.pinInput(job.jobId, {
    etag: info.etag,
    size: info.size,
    now: deps.clock.now(),
  });
  await deps.uploads.uploaded(key);
  // Read again: where the notification runs the fan-out at once (locally), the job has moved on.
  return (await deps.jobs.getJob(job.jobId)) ?? pinned ?? job;
}

export function registerCreateJob(app: ApiApp, deps: ResolvedApiDeps): void {
  app.openapi(createJobRoute, async (c) => {
    const body = c.req.valid('json');
    const idempotencyKey = c.req.valid('header')['idempotency-key'];
    if (body.input.type === 'inline') {
      const bytes = Buffer.byteLength(body.input.content, 'utf8');
      if (bytes > deps.config.maxInlineBytes) {
        throw new ApiError(
          `inline input is ${bytes} bytes, more than ${deps.config.maxInlineBytes}: create the job with {"input": {"type": "upload"}} and upload the file`,
          { code: ErrorCode.payloadTooLarge },
        );
      }
    }
    const jobId =
      idempotencyKey === undefined ? deps.newJobId() : jobIdForIdempotencyKey(idempotencyKey, 'create');
    const named = await createOrFindJob(deps, {
      jobId,
      fingerprint: requestFingerprint('create', body),
      options: body.options ?? {},
      metadata: body.metadata ?? {},
      parentJobId: null,
    });
    let { job } = named;
    let upload = null;
    if (body.input.type === 'inline') {
      job = await storeInput(deps, job, body.input.content);
    } else if (isAwaitingUpload(job.input)) {
      const ttl = deps.config.uploadTtlSeconds;
      const slot = await deps.input.presignPut(job.input.key, {
        expiresInSeconds: ttl,
        contentType: JSONL_CONTENT_TYPE,
        metadata: { [UPLOAD_METADATA.jobId]: job.jobId },
      });
      const expiresAt = deps.clock.now() + ttl * 1000;
      deps.uploads.expect(job.input.key, expiresAt);
      upload = {
        method: 'PUT' as const,
        url: slot.url,
        headers: slot.headers,
        expires_at: new Date(expiresAt).toISOString(),
      };
    }
    if (named.created) deps.log.info('job created', { jobId, input: body.input.type });
    const view = await describeJob(deps, job);
    return named.created
      ? respond(c, CreateJobResponse, { job: view, upload }, 201)
      : respond(c, CreateJobResponse, { job: view, upload }, 200);
  });
}
