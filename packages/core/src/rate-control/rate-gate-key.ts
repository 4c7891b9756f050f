import { createHash } from 'node:crypto';

/** What identifies one endpoint's limits: providers count per key and model. */
export interface EndpointIdentity {
  /** Base URL of the OpenAI-compatible API, e.g. `https://integrate.api.nvidia.com/v1`. */
  readonly baseURL: string;
  readonly model: string;
  /** The API key; only a hash of it enters the gate key. Null or empty for endpoints without one. */
  readonly apiKey: string | null;
}

/** Hex digits of the key's SHA-256 kept: enough to tell keys apart, useless to recover one. */
const KEY_HASH_DIGITS = 16;

/**
 * The gate key of an endpoint: `<base URL>|<model>|<first 16 hex digits of SHA-256(api key)>` (`-` when
 * there is no key). The URL is normalised (lower-case scheme and host, no trailing slash), so two spellings
 * of one endpoint share a gate. The API key itself never appears.
 */
export function rateGateKey(endpoint: EndpointIdentity): string {
  const url = new URL(endpoint.baseURL);
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  const apiKey = endpoint.apiKey ?? '';
  const keyHash =
    apiKey === '' ? '-' : createHash('sha256').update(apiKey).digest('hex').slice(0, KEY_HASH_DIGITS);
  return `${base}|${endpoint.model}|${keyHash}`;
}
