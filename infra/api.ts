import { API_HANDLER, API_THROTTLE, API_URL, DASHBOARD_BUNDLE } from './args/api';
import { functionArgs } from './args/handlers';
import { link } from './links';
import { recursionConfig } from './recursion';
import { endpointEnv } from './secrets';

/**
 * The job API (`packages/api`) as one function behind a Function URL: create, list, follow, cancel and
 * retry jobs, links to their results, and the dashboard (its static files copied into the bundle).
 * Linked read-mostly: it writes only job records (create, pin, cancel) and inputs under `inputs/`; it
 * sends no work and never sees the endpoint key.
 */
export const api = new sst.aws.Function('Api', {
  ...functionArgs(API_HANDLER, link, {
    ...endpointEnv,
    ...DASHBOARD_BUNDLE.environment,
    ...API_THROTTLE.environment,
  }),
  url: API_URL,
  concurrency: { reserved: API_THROTTLE.reservedConcurrency },
  copyFiles: [...DASHBOARD_BUNDLE.files],
});

recursionConfig('Api', api.name, API_HANDLER);
