import { endpointEnvironment, resolveEndpoint } from './args/endpoint';

/**
 * The endpoint's API key. No placeholder: a stage cannot deploy until it is set with
 * `npx sst secret set NvidiaApiKey <key> --stage <stage>` (any value for a stage that points at a
 * simulator).
 */
export const nvidiaApiKey = new sst.Secret('NvidiaApiKey');

/**
 * The endpoint the workers call: `ENDPOINT` from the shared settings, or per stage through
 * `THINKBATCH_ENDPOINT` / `THINKBATCH_MODEL` in the deploying shell.
 */
export const endpoint = resolveEndpoint(process.env);

/** The endpoint configuration as the functions' environment. */
export const endpointEnv = endpointEnvironment(endpoint);
