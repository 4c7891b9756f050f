import { createRoute, z } from '@hono/zod-openapi';
import type { ResolvedApiDeps } from '../api-deps';
import { respond } from '../respond';
import { JobIdParam } from '../schemas/components';
import { JobStats } from '../schemas/job-stats';
import { jobStats } from '../stats/job-stats';
import { loadJob } from './load-job';
import { type ApiApp, BEARER, errorResponses } from './route-kit';

export const jobStatsRoute = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}/stats',
  operationId: 'getJobStats',
  summary: 'Latency distribution and failures by code',
  description:
    'A latency histogram and the failed lines by error code, from a bounded sample of the finished lines: windows spread over results.jsonl once the job finished (its percentiles and failure counts then exact, from summary.json), else the recorded lines of a few chunks spread over the job. One answer reads at most about 4.3 MiB (a finished job) or 16 chunk records and 100 result objects (a running one), whatever the job’s size.',
  security: BEARER,
  request: { params: z.object({ id: JobIdParam }) },
  responses: {
    200: { description: 'The job’s stats.', content: { 'application/json': { schema: JobStats } } },
    ...errorResponses(400, 401, 404),
  },
});

export function registerJobStats(app: ApiApp, deps: ResolvedApiDeps): void {
  app.openapi(jobStatsRoute, async (c) => {
    const job = await loadJob(deps, c.req.valid('param').id);
    return respond(c, JobStats, await jobStats(deps, job), 200);
  });
}
