import { API_HANDLER, API_URL } from './args/api';
import { functionArgs } from './args/handlers';
import { link } from './links';
import { recursionConfig } from './recursion';
import { endpointEnv } from './secrets';

/**
 * The job API (`packages/api`) as one function behind a Function URL: create, list, follow, cancel and
 * retry jobs, and links to their results. Linked read-mostly: it writes only job records (create, pin,
 * cancel) and inputs under `inputs/`; it sends no work and never sees the endpoint key.
 */
export const api = new sst.aws.Function('Api', {
  ...functionArgs(API_HANDLER, link, endpointEnv),
  url: API_URL,
});

recursionConfig('Api', api.name, API_HANDLER);
