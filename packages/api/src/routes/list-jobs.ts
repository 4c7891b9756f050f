import { createRoute } from '@hono/zod-openapi';
import type { ResolvedApiDeps } from '../api-deps';
import { decodeJobCursor, encodeJobCursor } from '../cursor';
import { describeJob } from '../describe-job';
import { respond } from '../respond';
import { JobList, ListJobsQuery } from '../schemas/requests';
import { type ApiApp, BEARER, errorResponses } from './route-kit';

export const listJobsRoute = createRoute({
  method: 'get',
  path: '/v1/jobs',
  operationId: 'listJobs',
  summary: 'Jobs, newest first, by status or input key',
  description:
    'Pages of jobs, newest first. A job created or changed a moment ago may show a moment later (the list reads an index). The counts of a listed job are those of its complete chunks (`progress.basis`), so a page costs the same however large the jobs are; `GET /v1/jobs/{id}` reads live counts.',
  security: BEARER,
  request: { query: ListJobsQuery },
  responses: {
    200: { description: 'A page of jobs.', content: { 'application/json': { schema: JobList } } },
    ...errorResponses(400, 401),
  },
});

export function registerListJobs(app: ApiApp, deps: ResolvedApiDeps): void {
  app.openapi(listJobsRoute, async (c) => {
    const query = c.req.valid('query');
    const page = await deps.jobs.listJobs({
      limit: query.limit ?? deps.config.defaultPageSize,
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.input_key === undefined ? {} : { inputKey: query.input_key }),
      ...(query.cursor === undefined ? {} : { after: decodeJobCursor(query.cursor) }),
    });
    const data = await Promise.all(page.jobs.map((job) => describeJob(deps, job, { cheap: true })));
    const next = page.next === null ? null : encodeJobCursor(page.next);
    return respond(c, JobList, { data, next_cursor: next }, 200);
  });
}
