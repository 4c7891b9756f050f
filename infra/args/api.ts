import type { HandlerSpec } from './handlers';

/**
 * The API function: requests are short, but a retry streams its parent's results and input into the
 * retry's input, so it gets two minutes. Infra-only (`serve` has no timeout), hence not in `settings.ts`.
 */
export const API_HANDLER = {
  handler: 'packages/functions/src/api.handler',
  timeoutSeconds: 120,
  memoryMb: 1024,
  links: ['ApiInputs', 'ApiOutputs', 'JobsTable', 'JobListIndexes', 'ApiToken', 'LabellingBucket'],
  /** Invoked by its URL only; it sends no messages. */
  recursiveLoop: 'Terminate',
} as const satisfies HandlerSpec;

/**
 * The API is served by a Lambda Function URL: no authorization at the URL (the app checks the bearer
 * token on every route but the health check, in constant time), no CORS (the dashboard will be served
 * by the same app, so same-origin). A Function URL has no 30-second cap, unlike an API Gateway route.
 */
export const API_URL = { authorization: 'none', cors: false } as const satisfies sst.aws.FunctionArgs['url'];

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
