import { OpenAPIHono } from '@hono/zod-openapi';
import { ErrorCode } from '@thinkbatch/core';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { type ApiDeps, type ResolvedApiDeps, resolveApiDeps } from './api-deps';
import { ApiError, toErrorResponse } from './api-error';
import { bearerAuth, type Credential, requireScope } from './bearer-auth';
import { isDashboardPath, registerDashboard } from './dashboard/register-dashboard';
import { rateLimitPerToken } from './rate-limit';
import { registerCancelJob } from './routes/cancel-job';
import { registerCreateJob } from './routes/create-job';
import { registerGetJob } from './routes/get-job';
import { healthRoute, registerHealth } from './routes/health';
import { registerJobResults } from './routes/job-results';
import { registerJobStats } from './routes/job-stats';
import { registerLabellingTasks } from './routes/labelling-tasks';
import { registerListJobs } from './routes/list-jobs';
import { registerMergedResults } from './routes/merged-results';
import { registerRetryJob } from './routes/retry-job';

/** Largest labelling task document a request may carry. */
const LABELLING_TASK_MAX_BYTES = 256 * 1024;

/** Where the app serves its OpenAPI document. */
export const OPENAPI_PATH = '/v1/openapi.json';

/** The document's fixed parts (`getOpenAPI31Document`'s argument); paths and schemas come from the routes. */
type OpenAPIObjectConfig = Parameters<OpenAPIHono['getOpenAPI31Document']>[0];

/** The document's fixed parts; the paths and schemas come from the routes. */
export const OPENAPI_INFO: OpenAPIObjectConfig = {
  openapi: '3.1.0',
  info: {
    title: 'thinkbatch API',
    version: '1.0.0',
    description:
      'Create batch jobs of JSONL prompts for a reasoning model, follow them, cancel them, retry their failed lines and fetch their results. Every route but `GET /v1/health` needs `Authorization: Bearer <token>`; a read-only token may list and read but not create, cancel or retry (403 `forbidden`). Each token may make a limited number of requests per window (`RateLimit-*` headers on every answer); past it the API answers 429 `too_many_requests` with `Retry-After` in seconds. Errors are `{"error": {"code", "message"}}` with a stable code.',
  },
  security: [{ bearer: [] }],
};

/**
 * The API: one Hono app over the core ports, every request validated by its route's zod schema and
 * every response by its own before it is sent; the OpenAPI document is generated from the same schemas.
 * Runs wherever a fetch handler runs: Lambda (`hono/aws-lambda`) or Node (`@hono/node-server`).
 */
export function createApiApp(input: ApiDeps): OpenAPIHono {
  const deps = resolveApiDeps(input);
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError(`invalid request: ${z.prettifyError(result.error)}`, {
          code: ErrorCode.invalidValue,
        });
      }
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'The API token: an `sst.Secret` on AWS; `THINKBATCH_API_TOKEN` (or the one printed) locally.',
  });

  app.use(requestLog(deps));
  const credentials: Credential[] = [{ token: deps.token, scope: 'full', name: 'full' }];
  if (deps.readToken !== null) credentials.push({ token: deps.readToken, scope: 'read', name: 'read' });
  // Who may call (401), how often (429), and what (403), in that order: every request a token makes counts.
  const guards = [
    bearerAuth(credentials),
    ...(deps.config.rateLimit === null ? [] : [rateLimitPerToken(deps.config.rateLimit)]),
    requireScope(),
  ];
  // The dashboard's static files hold no data: they load without a token, and fetch everything with it.
  const isPublic = (path: string): boolean => path === healthRoute.path || isDashboardPath(path);
  for (const guard of guards)
    app.use('*', async (c, next) => (isPublic(c.req.path) ? next() : guard(c, next)));
  app.use(
    '/v1/jobs/*',
    bodyLimit({
      maxSize: deps.config.maxRequestBytes,
      onError: () => {
        throw new ApiError(`request body larger than ${deps.config.maxRequestBytes} bytes`, {
          code: ErrorCode.payloadTooLarge,
        });
      },
    }),
  );
  app.use(
    '/v1/jobs',
    bodyLimit({
      maxSize: deps.config.maxRequestBytes,
      onError: () => {
        throw new ApiError(
          `request body larger than ${deps.config.maxRequestBytes} bytes: upload large files through {"input": {"type": "upload"}}`,
          { code: ErrorCode.payloadTooLarge },
        );
      },
    }),
  );

  registerHealth(app);
  registerCreateJob(app, deps);
  registerListJobs(app, deps);
  registerGetJob(app, deps);
  registerJobResults(app, deps);
  registerCancelJob(app, deps);
  registerRetryJob(app, deps);
  registerMergedResults(app, deps);
  registerJobStats(app, deps);
  app.use(
    '/v1/labelling/*',
    bodyLimit({
      maxSize: LABELLING_TASK_MAX_BYTES,
      onError: () => {
        throw new ApiError(`a labelling task is at most ${LABELLING_TASK_MAX_BYTES} bytes`, {
          code: ErrorCode.payloadTooLarge,
        });
      },
    }),
  );
  registerLabellingTasks(app, deps);
  registerDashboard(app);
  app.doc31(OPENAPI_PATH, OPENAPI_INFO);

  app.notFound((c) =>
    sendError(c, new ApiError(`no route ${c.req.method} ${c.req.path}`, { code: ErrorCode.notFound })),
  );
  app.onError((error, c) => {
    if (error instanceof HTTPException && !(error.cause instanceof ApiError)) {
      return sendError(c, new ApiError(error.message, { code: codeOfStatus(error.status) }));
    }
    return sendError(c, error, deps);
  });
  return app;
}

function sendError(c: Context, error: unknown, deps?: Pick<ResolvedApiDeps, 'log'>): Response {
  const { status, body } = toErrorResponse(error);
  if (status >= 500) {
    const facts =
      error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
    deps?.log.error('request failed', { method: c.req.method, path: c.req.path, status, ...facts });
  }
  return c.json(body, status as ContentfulStatusCode);
}

/** The stable code of an HTTP status Hono itself raised (a malformed body, …). */
function codeOfStatus(status: number): ErrorCode {
  if (status === 413) return ErrorCode.payloadTooLarge;
  if (status === 401) return ErrorCode.unauthenticated;
  if (status === 403) return ErrorCode.forbidden;
  if (status === 429) return ErrorCode.tooManyRequests;
  if (status === 404) return ErrorCode.notFound;
  return status < 500 ? ErrorCode.invalidValue : ErrorCode.internal;
}

/** One log line per request: method, path, status and duration; never headers or bodies. */
function requestLog(deps: Pick<ResolvedApiDeps, 'log'>) {
  return async (c: Context, next: () => Promise<void>): Promise<void> => {
    const started = performance.now();
    await next();
    deps.log.info('request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  };
}
