import type { EndpointLimitNames } from '@thinkbatch/core';

/**
 * Names of the endpoint limit settings as a user gives them: the `thinkbatch run` flags (the CLI's
 * `ENDPOINT_LIMIT_FLAGS`, which core cannot import), for tests of the parser's error messages.
 */
export const ENDPOINT_LIMIT_FLAG_NAMES = {
  requestsPerMinute: '--rpm',
  tokensPerMinute: '--tpm',
  maxInFlight: '--max-in-flight',
  windowMs: '--rate-window-ms',
  longestWaitSeconds: '--max-rate-wait',
} as const satisfies EndpointLimitNames;
