import { createRoute, z } from '@hono/zod-openapi';
import {
  ErrorCode,
  type JobOutputs,
  type JobRecord,
  mergeResults,
  PipelineError,
  parse,
  ResultLine,
} from '@thinkbatch/core';
import type { ResolvedApiDeps } from '../api-deps';
import { ApiError } from '../api-error';
import { respond } from '../respond';
import { JobIdParam } from '../schemas/components';
import { ResultLinesPage, ResultsQuery } from '../schemas/requests';
import { loadJob } from './load-job';
import { type ApiApp, BEARER, errorResponses } from './route-kit';

/** The retry's results are read whole for every page: larger ones are merged by `thinkbatch merge`. */
export const MAX_MERGED_RETRY_BYTES = 64 * 1024 * 1024;
/** Bytes of the parent's results.jsonl one page reads at most (a result line is far shorter). */
const PAGE_WINDOW_BYTES = 16 * 1024 * 1024;
const NEWLINE = 0x0a;

export const mergedResultsRoute = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}/merged-results',
  operationId: 'getMergedResults',
  summary: 'A retry’s results merged back over its parent’s, page by page',
  description: `For a retry job (\`parent_job_id\` set), once both jobs have their files: the parent’s result lines in its order, each line whose \`custom_id\` the retry ran replaced by the retry’s result (lines that failed on their input stay as they were) — what \`thinkbatch merge\` writes. \`next_cursor\` continues; null after the last line. The retry’s results.jsonl is read for every page, so it may hold at most ${MAX_MERGED_RETRY_BYTES / 1024 / 1024} MiB (else 413: merge with \`thinkbatch merge\`).`,
  security: BEARER,
  request: { params: z.object({ id: JobIdParam }), query: ResultsQuery },
  responses: {
    200: {
      description: 'A page of merged result lines.',
      content: { 'application/json': { schema: ResultLinesPage } },
    },
    ...errorResponses(400, 401, 404, 409, 413, 422),
  },
});

export function registerMergedResults(app: ApiApp, deps: ResolvedApiDeps): void {
  app.openapi(mergedResultsRoute, async (c) => {
    const retry = await loadJob(deps, c.req.valid('param').id);
    if (retry.parentJobId === null)
      throw new ApiError(`job ${retry.jobId} is not a retry: it has no parent to merge into`, {
        code: ErrorCode.unprocessable,
      });
    const parent = await loadJob(deps, retry.parentJobId);
    const retryFiles = filesOf(retry);
    const parentFiles = filesOf(parent);
    const query = c.req.valid('query');
    const offset = query.cursor === undefined ? 0 : decodeOffset(query.cursor);
    const limit = Math.min(query.limit ?? deps.config.maxResultLines, 1000);

    const retrySize = (await deps.output.head(retryFiles.results))?.size ?? 0;
    if (retrySize > MAX_MERGED_RETRY_BYTES)
      throw new ApiError(
        `the results of retry ${retry.jobId} are ${retrySize} bytes, more than ${MAX_MERGED_RETRY_BYTES}: merge them with thinkbatch merge`,
        { code: ErrorCode.payloadTooLarge },
      );
    const page = await parentPage(deps, parentFiles.results, offset, limit);
    const retried = parseLines(await deps.output.get(retryFiles.results), retryFiles.results);
    const data: ResultLine[] = [];
    for await (const line of mergeResults(each(page.lines), each(retried))) data.push(line);
    return respond(
      c,
      ResultLinesPage,
      { data, next_cursor: page.end === null ? null : encodeOffset(page.end) },
      200,
    );
  });
}

function filesOf(job: JobRecord): JobOutputs {
  if (job.outputs === null)
    throw new ApiError(
      `job ${job.jobId} has no result files yet (${job.status}): merge once both jobs ended`,
      {
        code: ErrorCode.conflict,
      },
    );
  return job.outputs;
}

/**
 * Up to `limit` whole lines of the parent's results.jsonl from byte `offset` (one ranged read), and the
 * offset after the last of them; null at the end of the file.
 */
async function parentPage(deps: ResolvedApiDeps, key: string, offset: number, limit: number) {
  const size = (await deps.output.head(key))?.size ?? 0;
  if (offset > size) throw invalidCursor();
  const end = Math.min(size, offset + PAGE_WINDOW_BYTES);
  const bytes =
    offset === end ? new Uint8Array(0) : await deps.output.get(key, { range: { start: offset, end } });
  if (bytes === null) throw new PipelineError(`results ${key} are missing`, { code: ErrorCode.notFound });
  let taken = 0;
  let lines = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1 && lines < limit; at = bytes.indexOf(NEWLINE, taken)) {
    taken = at + 1;
    lines += 1;
  }
  // The last line of a file without a final newline.
  if (lines < limit && end === size && taken < bytes.length) taken = bytes.length;
  if (taken === 0 && bytes.length > 0)
    throw new PipelineError(`a line of ${key} is longer than ${PAGE_WINDOW_BYTES} bytes`);
  const next = offset + taken;
  return { lines: parseLines(bytes.subarray(0, taken), key), end: next < size ? next : null };
}

function parseLines(bytes: Uint8Array | null, key: string): ResultLine[] {
  if (bytes === null) throw new PipelineError(`results ${key} are missing`, { code: ErrorCode.notFound });
  return new TextDecoder()
    .decode(bytes)
    .split('\n')
    .filter((text) => text !== '')
    .map((text, i) => parse(ResultLine, JSON.parse(text), `result line ${i + 1} of ${key}`, PipelineError));
}

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

const invalidCursor = (): ApiError =>
  new ApiError('invalid cursor: pass the next_cursor of the previous page as it was', {
    code: ErrorCode.invalidValue,
  });

/** The cursor of a byte offset in the parent's results.jsonl (opaque to clients). */
function encodeOffset(offset: number): string {
  return Buffer.from(`merged:${offset}`, 'utf8').toString('base64url');
}

function decodeOffset(cursor: string): number {
  const match = /^merged:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match === null) throw invalidCursor();
  return Number(match[1]);
}
