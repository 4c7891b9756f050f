import { createRoute, z } from '@hono/zod-openapi';
import { ErrorCode } from '@thinkbatch/core';
import type { ResolvedApiDeps } from '../api-deps';
import { ApiError } from '../api-error';
import { describeJob } from '../describe-job';
import { respond } from '../respond';
import { JobIdParam } from '../schemas/components';
import { JobView } from '../schemas/job-view';
import { loadJob } from './load-job';
import { type ApiApp, BEARER, errorResponses } from './route-kit';

export const cancelJobRoute = createRoute({
  method: 'post',
  path: '/v1/jobs/{id}/cancel',
  operationId: 'cancelJob',
  summary: 'Cancel a job: no line starts after this; the job still finalizes',
  description:
    'Workers check the cancel before every endpoint call: no call starts once this returns, lines not finished end `cancelled`, and the job finalizes with complete files (status `cancelled`, or `completed` when every line had finished). Repeating it is harmless.',
  security: BEARER,
  request: { params: z.object({ id: JobIdParam }) },
  responses: {
    200: {
      description: 'Cancel recorded; the job as it is now.',
      content: { 'application/json': { schema: JobView } },
    },
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export function registerCancelJob(app: ApiApp, deps: ResolvedApiDeps): void {
  app.openapi(cancelJobRoute, async (c) => {
    const { id } = c.req.valid('param');
    const cancelled = await deps.jobs.requestCancel(id, deps.clock.now());
    if (cancelled === null) {
      const job = await loadJob(deps, id);
      throw new ApiError(`job ${id} is ${job.status} already: nothing to cancel`, {
        code: ErrorCode.conflict,
      });
    }
    deps.log.info('job cancel requested', { jobId: id });
    return respond(c, JobView, await describeJob(deps, cancelled), 200);
  });
}
