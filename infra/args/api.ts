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
