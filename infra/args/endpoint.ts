import { ENDPOINT } from '../../packages/core/src/settings';

/**
 * Names of the variables that carry the endpoint configuration: read from the shell at deploy time
 * (to override the defaults for a stage) and set with the same names on every function, where
 * `packages/functions` reads them.
 */
export const ENDPOINT_ENV = {
  baseURL: 'THINKBATCH_ENDPOINT',
  model: 'THINKBATCH_MODEL',
} as const;

/** The OpenAI-compatible endpoint the workers call. */
export interface EndpointConfig {
  /** @default ENDPOINT.baseURL (NVIDIA's API) */
  readonly baseURL: string;
  /** @default ENDPOINT.model (DeepSeek-R1) */
  readonly model: string;
}

/**
 * The endpoint configuration of a deploy: `ENDPOINT` unless the deploying shell sets
 * `THINKBATCH_ENDPOINT` / `THINKBATCH_MODEL` (empty counts as unset).
 * Throws on a base URL that is not http(s) or has a query or fragment: a wrong value must stop the
 * deploy, not reach the workers.
 *
 * @example
 * ```sh
 * THINKBATCH_ENDPOINT=https://api.deepseek.com/v1 THINKBATCH_MODEL=deepseek-reasoner npx sst deploy --stage deepseek
 * ```
 */
export function resolveEndpoint(env: Readonly<Record<string, string | undefined>>): EndpointConfig {
  const baseURL = env[ENDPOINT_ENV.baseURL]?.trim() || ENDPOINT.baseURL;
  const model = env[ENDPOINT_ENV.model]?.trim() || ENDPOINT.model;
  if (!URL.canParse(baseURL)) {
    throw new Error(`${ENDPOINT_ENV.baseURL} is not a URL: ${JSON.stringify(baseURL)}`);
  }
  const url = new URL(baseURL);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`${ENDPOINT_ENV.baseURL} must be an http(s) URL, got ${JSON.stringify(baseURL)}`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new Error(
      `${ENDPOINT_ENV.baseURL} must not have a query or fragment, got ${JSON.stringify(baseURL)}`,
    );
  }
  return { baseURL, model };
}

/** The functions' environment for an endpoint configuration. */
export function endpointEnvironment(config: EndpointConfig): Record<string, string> {
  return { [ENDPOINT_ENV.baseURL]: config.baseURL, [ENDPOINT_ENV.model]: config.model };
}
