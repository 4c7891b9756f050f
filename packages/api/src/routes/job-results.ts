import { createRoute, z } from '@hono/zod-openapi';
import {
  type JobOutputs,
  type JobRecord,
  LineStatus,
  PipelineError,
  parse,
  parseResultObject,
  ResultLine,
} from '@thinkbatch/core';
import type { ResolvedApiDeps } from '../api-deps';
import { decodeResultsCursor, encodeResultsCursor, type ResultsPosition } from '../cursor';
import { respond } from '../respond';
import { JobIdParam } from '../schemas/components';
import { JobResults, ResultsQuery } from '../schemas/requests';
import { loadJob } from './load-job';
import { type ApiApp, BEARER, errorResponses } from './route-kit';

/** Chunk records one page of a running job's results reads at most. */
const MAX_CHUNKS_PER_PAGE = 100;

export const jobResultsRoute = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}/results',
  operationId: 'getJobResults',
  summary: 'Links to the output files, or the lines finished so far',
  description:
    'Once the job has its output files (it finished, or failed as a whole): short-lived links to them. Before: a page of the lines finished so far, in input order, from the start of the file up to the first line still running; `next_cursor` continues from there (poll it: it may return nothing new yet).',
  security: BEARER,
  request: {
    params: z.object({ id: JobIdParam }),
    query: ResultsQuery.extend({
      status: LineStatus.optional().meta({ description: 'Only lines that ended in this status.' }),
    }),
  },
  responses: {
    200: { description: 'Files or lines.', content: { 'application/json': { schema: JobResults } } },
    ...errorResponses(400, 401, 404),
  },
});

export function registerJobResults(app: ApiApp, deps: ResolvedApiDeps): void {
  app.openapi(jobResultsRoute, async (c) => {
    const job = await loadJob(deps, c.req.valid('param').id);
    const query = c.req.valid('query');
    const base = { job_id: job.jobId, status: job.status };
    if (job.outputs !== null)
      return respond(c, JobResults, { ...base, files: await linksTo(deps, job.outputs), lines: null }, 200);
    const start = query.cursor === undefined ? { chunk: 0, line: 0 } : decodeResultsCursor(query.cursor);
    const limit = Math.min(query.limit ?? deps.config.maxResultLines, 1000);
    const lines = await finishedLines(deps, job, start, limit, query.status);
    return respond(c, JobResults, { ...base, files: null, lines }, 200);
  });
}

async function linksTo(deps: ResolvedApiDeps, outputs: JobOutputs) {
  const ttl = deps.config.linkTtlSeconds;
  const expires_at = new Date(deps.clock.now() + ttl * 1000).toISOString();
  const link = async (key: string) => ({
    url: (await deps.output.presignGet(key, { expiresInSeconds: ttl })).url,
    expires_at,
  });
  return {
    results: await link(outputs.results),
    errors: await link(outputs.errors),
    summary: await link(outputs.summary),
    openai_batch: outputs.openaiBatch === null ? null : await link(outputs.openaiBatch),
  };
}

/**
 * The recorded lines after `start`, in input order, up to the first line not recorded yet (so a cursor
 * never skips a line that finishes later), at most `limit` of them (of `status` only, when given).
 */
async function finishedLines(
  deps: ResolvedApiDeps,
  job: JobRecord,
  start: ResultsPosition,
  limit: number,
  status: LineStatus | undefined,
) {
  const found: { readonly key: string; readonly line: number; readonly at: ResultsPosition }[] = [];
  let position = start;
  let complete = false;
  walk: for (let read = 0; read < MAX_CHUNKS_PER_PAGE; read += 1) {
    if (job.chunksTotal !== null && position.chunk >= job.chunksTotal) {
      complete = true;
      break;
    }
    const chunk = await deps.jobs.getChunk(job.jobId, position.chunk);
    if (chunk === null) break; // fan-out has not created it yet
    for (const line of chunk.lines) {
      if (line <= position.line) continue;
      const recorded = chunk.recorded[String(line)];
      if (recorded === undefined || found.length >= limit) break walk;
      position = { chunk: position.chunk, line };
      if (status === undefined || recorded.status === status)
        found.push({ key: recorded.resultKey, line, at: position });
    }
    position = { chunk: position.chunk + 1, line: 0 };
  }
  const data = await readResultLines(deps, found);
  // Objects are deleted once the job finished: a page cut short by that ends at its last line read (the
  // next request finds the files).
  if (data.length < found.length) position = found[data.length - 1]?.at ?? start;
  const next = complete && data.length === found.length ? null : encodeResultsCursor(position);
  return { data, next_cursor: next };
}

/**
 * The recorded lines from their result objects (a group's object holds several: each read once), up to
 * the first whose object is gone.
 */
async function readResultLines(
  deps: ResolvedApiDeps,
  found: readonly { readonly key: string; readonly line: number }[],
): Promise<ResultLine[]> {
  const keys = [...new Set(found.map((f) => f.key))];
  const bodies = await Promise.all(keys.map((key) => deps.output.get(key)));
  const objects = new Map(keys.map((key, i) => [key, bodies[i] ?? null]));
  const parsed = new Map<string, ReturnType<typeof parseResultObject>>();
  const lines: ResultLine[] = [];
  for (const { key, line } of found) {
    const body = objects.get(key) ?? null;
    if (body === null) break;
    let object = parsed.get(key);
    if (object === undefined) {
      object = parseResultObject(body);
      parsed.set(key, object);
    }
    const text = object.get(line);
    if (text === undefined) break;
    lines.push(parse(ResultLine, JSON.parse(text), `line ${line} of result object ${key}`, PipelineError));
  }
  return lines;
}
