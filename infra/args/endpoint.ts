import { ConfigurationError } from '../../packages/core/src/errors/thinkbatch-error';
import { ENDPOINT, ENDPOINT_LIMITS_ENV } from '../../packages/core/src/settings';

/**
 * Names of the variables that carry the endpoint configuration: read from the shell at deploy time
 * (to override the defaults for a stage) and set with the same names on every function, where
 * `packages/functions` reads them.
 */
export const ENDPOINT_ENV = {
  baseURL: 'THINKBATCH_ENDPOINT',
  model: 'THINKBATCH_MODEL',
  /** Extra hosts a stage may point its workers at (comma-separated), beyond `ALLOWED_ENDPOINT_HOSTS`. */
  allow: 'THINKBATCH_ENDPOINT_ALLOW',
} as const;

/**
 * The hosts a deployment's workers may call without more ado: the default endpoint's (NVIDIA) and
 * DeepSeek's API. The workers send every prompt and the endpoint key there, so another host must be
 * named on purpose in the deploying shell (`THINKBATCH_ENDPOINT_ALLOW`). Jobs cannot choose the endpoint
 * at all (their options name a model only), so this list is the whole of where prompts can go.
 */
export const ALLOWED_ENDPOINT_HOSTS: readonly string[] = [
  new URL(ENDPOINT.baseURL).hostname,
  'api.deepseek.com',
];

/** Hosts that are this machine: plain http is allowed to them only (a simulator in a test stage). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The OpenAI-compatible endpoint the workers call. */
export interface EndpointConfig {
  /** @default ENDPOINT.baseURL (NVIDIA's API) */
  readonly baseURL: string;
  /** @default ENDPOINT.model (DeepSeek-R1) */
  readonly model: string;
  /**
   * The endpoint's limits for the workers' rate gate, as the variables of `ENDPOINT_LIMITS_ENV` that
   * the deploying shell set (trimmed). Unset ones keep the worker's defaults (NVIDIA's trial tier).
   * @default {}
   */
  readonly limits: Readonly<Record<string, string>>;
}

/** What each limit variable accepts: the three limits may be `auto` (found from 429s). */
const LIMIT_RULES: Readonly<Record<keyof typeof ENDPOINT_LIMITS_ENV, { auto: boolean; whole: boolean }>> = {
  requestsPerMinute: { auto: true, whole: false },
  tokensPerMinute: { auto: true, whole: false },
  maxInFlight: { auto: true, whole: true },
  windowMs: { auto: false, whole: true },
  longestWaitSeconds: { auto: false, whole: false },
};

/**
 * The limit variables the deploying shell set, checked so that a wrong value stops the deploy rather
 * than every worker at start. (The worker parses them again with the core's zod schema,
 * `endpointLimitsFromEnv`; `endpoint.test.ts` checks the two agree.)
 */
function resolveEndpointLimits(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const limits: Record<string, string> = {};
  for (const [field, name] of Object.entries(ENDPOINT_LIMITS_ENV) as [keyof typeof LIMIT_RULES, string][]) {
    const value = env[name]?.trim().toLowerCase() ?? '';
    if (value === '') continue;
    const rule = LIMIT_RULES[field];
    const number = rule.whole ? /^\d+$/ : /^\d+(\.\d+)?$/;
    const ok = (rule.auto && value === 'auto') || (number.test(value) && Number(value) > 0);
    if (!ok) {
      const what = `${rule.whole ? 'a whole number' : 'a number'} more than 0${rule.auto ? ' or "auto"' : ''}`;
      throw new ConfigurationError(`${name} must be ${what}, got ${JSON.stringify(env[name])}`);
    }
    limits[name] = value;
  }
  return limits;
}

/**
 * The endpoint configuration of a deploy: `ENDPOINT` unless the deploying shell sets
 * `THINKBATCH_ENDPOINT` / `THINKBATCH_MODEL` (empty counts as unset), and the endpoint's limits from
 * `ENDPOINT_LIMITS_ENV` (`THINKBATCH_RPM`, `THINKBATCH_TPM`, `THINKBATCH_MAX_IN_FLIGHT`,
 * `THINKBATCH_RATE_WINDOW_MS`, `THINKBATCH_MAX_RATE_WAIT`).
 * Throws `ConfigurationError` on a base URL that is not https (plain http only to this machine), has a
 * query, fragment or credentials, or whose host is neither in `ALLOWED_ENDPOINT_HOSTS` nor named in
 * `THINKBATCH_ENDPOINT_ALLOW`; and on a limit the workers could not use: a wrong value must stop the
 * deploy, not reach the workers.
 *
 * @example
 * ```sh
 * THINKBATCH_ENDPOINT=https://api.deepseek.com/v1 THINKBATCH_MODEL=deepseek-reasoner npx sst deploy --stage deepseek
 * THINKBATCH_ENDPOINT=https://llm.example.com/v1 THINKBATCH_ENDPOINT_ALLOW=llm.example.com npx sst deploy --stage own
 * THINKBATCH_RPM=1000 THINKBATCH_MAX_IN_FLIGHT=auto npx sst deploy --stage paid-tier
 * ```
 */
export function resolveEndpoint(env: Readonly<Record<string, string | undefined>>): EndpointConfig {
  const baseURL = env[ENDPOINT_ENV.baseURL]?.trim() || ENDPOINT.baseURL;
  const model = env[ENDPOINT_ENV.model]?.trim() || ENDPOINT.model;
  if (!URL.canParse(baseURL)) {
    throw new ConfigurationError(`${ENDPOINT_ENV.baseURL} is not a URL: ${JSON.stringify(baseURL)}`);
  }
  const url = new URL(baseURL);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(
      `${ENDPOINT_ENV.baseURL} must be an http(s) URL, got ${JSON.stringify(baseURL)}`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ConfigurationError(
      `${ENDPOINT_ENV.baseURL} must not have a query or fragment, got ${JSON.stringify(baseURL)}`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    // Credentials in the URL would reach logs and error messages; the key goes in the secret.
    throw new ConfigurationError(`${ENDPOINT_ENV.baseURL} must not carry credentials (user:password@)`);
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !loopback) {
    throw new ConfigurationError(
      `${ENDPOINT_ENV.baseURL} must be https (the key and prompts travel with it), got ${JSON.stringify(baseURL)}`,
    );
  }
  const allowed = new Set([...ALLOWED_ENDPOINT_HOSTS, ...extraAllowedHosts(env)]);
  if (!loopback && !allowed.has(url.hostname)) {
    throw new ConfigurationError(
      `${ENDPOINT_ENV.baseURL} host ${JSON.stringify(url.hostname)} is not allowed (allowed: ${[...allowed].join(', ')}); ` +
        `name it in ${ENDPOINT_ENV.allow} to send prompts and the key there`,
    );
  }
  return { baseURL, model, limits: resolveEndpointLimits(env) };
}

/** The hosts the deploying shell added to the allow-list (`THINKBATCH_ENDPOINT_ALLOW`), lower-cased. */
function extraAllowedHosts(env: Readonly<Record<string, string | undefined>>): string[] {
  return (env[ENDPOINT_ENV.allow] ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== '');
}

/** The functions' environment for an endpoint configuration (the limits only when set). */
export function endpointEnvironment(config: EndpointConfig): Record<string, string> {
  return { [ENDPOINT_ENV.baseURL]: config.baseURL, [ENDPOINT_ENV.model]: config.model, ...config.limits };
}
