import { createRoute, z } from '@hono/zod-openapi';
import type { ResolvedApiDeps } from '../api-deps';
import { describeJob } from '../describe-job';
import { respond } from '../respond';
import { JobIdParam } from '../schemas/components';
import { JobView } from '../schemas/job-view';
import { loadJob } from './load-job';
import { type ApiApp, BEARER, errorResponses } from './route-kit';

export const getJobRoute = createRoute({
  method: 'get',
  path: '/v1/jobs/{id}',
  operationId: 'getJob',
  summary: 'A job: status, counts, tokens, cost, throughput, ETA',
  security: BEARER,
  request: { params: z.object({ id: JobIdParam }) },
  responses: {
    200: { description: 'The job.', content: { 'application/json': { schema: JobView } } },
    ...errorResponses(400, 401, 404),
  },
});

export function registerGetJob(app: ApiApp, deps: ResolvedApiDeps): void {
  app.openapi(getJobRoute, async (c) => {
    const job = await loadJob(deps, c.req.valid('param').id);
    return respond(c, JobView, await describeJob(deps, job), 200);
  });
}
