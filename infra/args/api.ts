import type { HandlerSpec } from './handlers';

/**
 * The API function: requests are short, but a retry streams its parent's results and input into the
 * retry's input, so it gets two minutes. Infra-only (`serve` has no timeout), hence not in `settings.ts`.
 */
export const API_HANDLER = {
  handler: 'packages/functions/src/api.handler',
  timeoutSeconds: 120,
  memoryMb: 1024,
  links: [
    'ApiInputs',
    'ApiOutputs',
    'JobsTable',
    'JobListIndexes',
    'ApiToken',
    'ApiReadToken',
    'LabellingBucket',
  ],
  /** Invoked by its URL only; it sends no messages. */
  recursiveLoop: 'Terminate',
} as const satisfies HandlerSpec;

/**
 * The API is served by a Lambda Function URL: no authorization at the URL (the app checks the bearer
 * token on every route but the health check, in constant time), no CORS (the dashboard will be served
 * by the same app, so same-origin). A Function URL has no 30-second cap, unlike an API Gateway route.
 */
export const API_URL = { authorization: 'none', cors: false } as const satisfies sst.aws.FunctionArgs['url'];

/** The placeholder of the `ApiReadToken` secret that means "no read-only token" (as the handler reads it). */
export const API_READ_TOKEN_NONE = 'none';

/**
 * Throttling at AWS, in front of the app's own per-token limit. The API is a Function URL, which has no
 * API Gateway stage throttling; what bounds it is the function's reserved concurrency: past it Lambda
 * refuses the invocation and the URL answers 429 (TooManyRequestsException), for every client together,
 * before any code runs. The app's limit (`THINKBATCH_API_RATE_LIMIT`, `REQUESTS/SECONDS` per token) is
 * counted in each warm instance's memory, so one token gets at most `reservedConcurrency` × that per
 * window across instances; the per-instance figure is the per-token total divided by the instances.
 */
export const API_THROTTLE = {
  /** Concurrent API invocations at most; a burst past them is answered 429 by Lambda. */
  reservedConcurrency: 10,
  /** Requests one token may make in each instance per window: 10 instances × 120 = 1,200 a minute at most. */
  environment: { THINKBATCH_API_RATE_LIMIT: '120/60' },
} as const;

const DASHBOARD_SOURCES = 'packages/api/src/dashboard/assets';
const UPLOT_DIST = 'packages/api/node_modules/uplot/dist';

/**
 * The dashboard's static files in the API's bundle: the bundle has neither the source tree nor
 * node_modules, so each file the dashboard serves is copied flat into `dir` (`copyFiles`, paths from the
 * repository root) and the function is told where (`THINKBATCH_DASHBOARD_DIR`, relative to its root).
 * Without them the API works and `/` answers 404.
 */
export const DASHBOARD_BUNDLE = {
  environment: { THINKBATCH_DASHBOARD_DIR: 'dashboard' },
  files: [
    ...['index.html', 'dashboard.css', 'dashboard.js', 'api.js', 'charts.js', 'format.js', 'views.js'].map(
      (name) => ({ from: `${DASHBOARD_SOURCES}/${name}`, to: `dashboard/${name}` }),
    ),
    ...['uPlot.iife.min.js', 'uPlot.min.css'].map((name) => ({
      from: `${UPLOT_DIST}/${name}`,
      to: `dashboard/${name}`,
    })),
  ],
} as const;
