import { createRoute, z } from '@hono/zod-openapi';
import {
  ErrorCode,
  INPUT_ERROR_CODES,
  isTerminalJobStatus,
  type JobOptions,
  type JobRecord,
  JobSummary,
  jobIdForIdempotencyKey,
  type LineStatus,
  PipelineError,
  parse,
  ResultLine,
  readJsonlLines,
  retryInputLines,
} from '@thinkbatch/core';
import type { ResolvedApiDeps } from '../api-deps';
import { ApiError } from '../api-error';
import { describeJob } from '../describe-job';
import { respond } from '../respond';
import { IdempotencyKeyHeader, JobIdParam } from '../schemas/components';
import { RetryJobRequest, RetryJobResponse } from '../schemas/requests';
import { createOrFindJob, requestFingerprint, storeInput } from './create-job';
import { loadJob } from './load-job';
import { type ApiApp, BEARER, errorResponses } from './route-kit';

export const retryJobRoute = createRoute({
  method: 'post',
  path: '/v1/jobs/{id}/retry',
  operationId: 'retryJob',
  summary: 'A new job of only the failed (or chosen) lines of a finished job',
  description:
    'The new job runs the lines of the parent that ended in `statuses` (default: failed), each with its `custom_id` written out, and names the parent in `parent_job_id`; its results merge back over the parent’s by `custom_id`. Lines that failed on their input (invalid JSON, a duplicate custom_id, …) are not retried: they would fail the same way.',
  security: BEARER,
  request: {
    params: z.object({ id: JobIdParam }),
    headers: z.object({ 'idempotency-key': IdempotencyKeyHeader }),
    body: { required: false, content: { 'application/json': { schema: RetryJobRequest } } },
  },
  responses: {
    201: {
      description: 'The retry job, started.',
      content: { 'application/json': { schema: RetryJobResponse } },
    },
    200: {
      description: 'A repeat of an earlier request (same `Idempotency-Key`, same body): that job.',
      content: { 'application/json': { schema: RetryJobResponse } },
    },
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});

export function registerRetryJob(app: ApiApp, deps: ResolvedApiDeps): void {
  app.openapi(retryJobRoute, async (c) => {
    const { id } = c.req.valid('param');
    const body = (await hasBody(c.req.raw)) ? c.req.valid('json') : {};
    const idempotencyKey = c.req.valid('header')['idempotency-key'];
    const parent = await loadJob(deps, id);
    const statuses: readonly LineStatus[] = body.statuses ?? ['failed'];
    const outputs = finishedOutputs(parent);
    const eligible = await countRetried(deps, outputs.summary, statuses);
    if (eligible === 0) {
      throw new ApiError(
        `job ${id} has no line to retry among ${statuses.join(', ')} (lines that failed on their input are never retried)`,
        { code: ErrorCode.unprocessable },
      );
    }
    const jobId =
      idempotencyKey === undefined ? deps.newJobId() : jobIdForIdempotencyKey(idempotencyKey, `retry:${id}`);
    const named = await createOrFindJob(deps, {
      jobId,
      fingerprint: requestFingerprint(`retry:${id}`, body),
      options: body.options ?? retryOptions(parent.options),
      metadata: body.metadata ?? parent.metadata,
      parentJobId: parent.jobId,
    });
    const results = readResults(deps, outputs.results);
    const lines = retryInputLines(deps, parent, results, statuses);
    const job = await storeInput(deps, named.job, encodeLines(lines));
    if (named.created) deps.log.info('retry job created', { jobId, parentJobId: id, lines: eligible });
    const view = await describeJob(deps, job);
    return named.created
      ? respond(c, RetryJobResponse, { job: view }, 201)
      : respond(c, RetryJobResponse, { job: view }, 200);
  });
}

/** A retry request may have no body at all (every field has a default). */
async function hasBody(request: Request): Promise<boolean> {
  return request.headers.get('content-length') !== '0' && request.body !== null;
}

/** The outputs of a job that ended, or 409 `conflict` for one still running (or without outputs). */
function finishedOutputs(job: JobRecord) {
  if (!isTerminalJobStatus(job.status) || job.outputs === null) {
    throw new ApiError(`job ${job.jobId} is ${job.status}: only a finished job can be retried`, {
      code: ErrorCode.conflict,
    });
  }
  return job.outputs;
}

/** The parent's options for its retry: the same, without a deadline that has passed or will soon. */
function retryOptions(options: JobOptions): JobOptions {
  const { deadline: _deadline, ...rest } = options;
  return rest;
}

/** How many lines a retry of `statuses` runs, from the parent's summary (lines failed on input excluded). */
async function countRetried(deps: ResolvedApiDeps, summaryKey: string, statuses: readonly LineStatus[]) {
  const body = await deps.output.get(summaryKey);
  if (body === null)
    throw new PipelineError(`summary ${summaryKey} is missing`, { code: ErrorCode.notFound });
  const summary = parse(JobSummary, JSON.parse(new TextDecoder().decode(body)), `summary ${summaryKey}`);
  let count = 0;
  for (const status of statuses) count += summary.counts[status];
  if (statuses.includes('failed'))
    for (const code of INPUT_ERROR_CODES) count -= summary.failed_by_code[code] ?? 0;
  return count;
}

/** The parent's results.jsonl, streamed and parsed. */
async function* readResults(deps: ResolvedApiDeps, key: string): AsyncGenerator<ResultLine> {
  const stream = await deps.output.stream(key);
  if (stream === null) throw new PipelineError(`results ${key} are missing`, { code: ErrorCode.notFound });
  for await (const record of readJsonlLines(stream, { maxLineBytes: Number.MAX_SAFE_INTEGER })) {
    if (record.kind === 'error')
      throw new PipelineError(`${key} line ${record.lineNumber}: ${record.error.message}`);
    yield parse(
      ResultLine,
      JSON.parse(record.text),
      `result line ${record.lineNumber} of ${key}`,
      PipelineError,
    );
  }
}

async function* encodeLines(lines: AsyncIterable<string>): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for await (const line of lines) yield encoder.encode(`${line}\n`);
}
