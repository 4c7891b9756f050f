import { ENDPOINT } from '../settings';
import { NVIDIA_TRIAL_LIMITS, parseRateGateSettings, type RateGateSettings } from './rate-gate-settings';

/**
 * What is known of an endpoint nobody documented: nothing. Every limit is found from 429s and latency,
 * over the usual per-minute window, starting from the controller's starting values.
 */
export const UNKNOWN_ENDPOINT_LIMITS = {
  requestsPerMinute: null,
  tokensPerMinute: null,
  maxInFlight: null,
  windowMs: 60_000,
} as const;

/** Whether `baseURL` is NVIDIA's hosted API (the default endpoint), whose trial limits are documented. */
export function isNvidiaEndpoint(baseURL: string): boolean {
  const host = (url: string): string | null => {
    try {
      return new URL(url).hostname.toLowerCase();
    } catch {
      return null;
    }
  };
  const nvidia = host(ENDPOINT.baseURL);
  return nvidia !== null && host(baseURL) === nvidia;
}

/**
 * The limits an endpoint starts with when its user gives none: NVIDIA's trial tier for NVIDIA's API, and
 * unknown limits (found adaptively) for any other — a local vLLM or another provider would otherwise be
 * held to NVIDIA's 40 requests/min.
 */
export function endpointDefaultLimits(baseURL: string): Partial<RateGateSettings> {
  return isNvidiaEndpoint(baseURL) ? NVIDIA_TRIAL_LIMITS : UNKNOWN_ENDPOINT_LIMITS;
}

/**
 * The rate gate settings of the endpoint at `baseURL`: the limits given (flags, environment) over that
 * endpoint's defaults, validated. Throws `ConfigurationError` on an unusable value.
 */
export function resolveEndpointLimits(baseURL: string, given: Partial<RateGateSettings>): RateGateSettings {
  return parseRateGateSettings({ ...endpointDefaultLimits(baseURL), ...given });
}
