import {
  ConfigurationError,
  type EndpointLimitNames,
  LOCAL_SIMULATOR_LIMITS,
  NVIDIA_TRIAL_LIMITS,
  parseEndpointLimits,
  parseRateGateSettings,
  type RateGateSettings,
} from '@thinkbatch/core';
import { UsageError } from './usage-error';

/** The endpoint limit flags of `thinkbatch run`, by the `RateGateSettings` text field each sets. */
export const ENDPOINT_LIMIT_FLAGS = {
  requestsPerMinute: '--rpm',
  tokensPerMinute: '--tpm',
  maxInFlight: '--max-in-flight',
  windowMs: '--rate-window-ms',
  longestWaitSeconds: '--max-rate-wait',
} as const satisfies EndpointLimitNames;

/** The same flags as `parseArgs` options: each takes a number, or `auto` or `none` for the three limits. */
export const ENDPOINT_LIMIT_OPTIONS = {
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  'max-in-flight': { type: 'string' },
  'rate-window-ms': { type: 'string' },
  'max-rate-wait': { type: 'string' },
} as const;

const auto = (value: number | null): string => (value === null ? 'auto' : String(value));
const gateDefaults = parseRateGateSettings();

/** The flags' lines of `--help`, with the defaults the gate really uses. */
export const ENDPOINT_LIMITS_HELP = `Endpoint limits (one rate gate per endpoint, model and key, shared by all workers and jobs;
N or "auto" to find the limit from 429s; defaults: NVIDIA's trial tier on NVIDIA's endpoint, "auto" for every
limit of any other --endpoint, with --simulate the simulator's; --rpm none --max-in-flight none: an endpoint
with no limits, calls go without a gate round trip until a 429):
  --rpm N|auto           requests per minute (default ${auto(NVIDIA_TRIAL_LIMITS.requestsPerMinute)}; other endpoints: auto; --simulate: ${auto(LOCAL_SIMULATOR_LIMITS.requestsPerMinute)})
  --tpm N|auto           tokens per minute, prompt + completion (default ${auto(NVIDIA_TRIAL_LIMITS.tokensPerMinute)})
  --max-in-flight N|auto calls in flight at once (default ${auto(NVIDIA_TRIAL_LIMITS.maxInFlight)})
  --rate-window-ms MS    window the provider counts per-minute limits over (default ${NVIDIA_TRIAL_LIMITS.windowMs}; --simulate: ${LOCAL_SIMULATOR_LIMITS.windowMs})
  --max-rate-wait S      longest a line waits for capacity, seconds, then it fails rate_limited (default ${gateDefaults.longestWaitMs / 1000})
`;

/**
 * The endpoint limit flags among parsed `values` (keyed by flag name without `--`), validated; only
 * those given, so the rest keep their defaults. Throws `UsageError` naming the flag.
 */
export function endpointLimitsFromFlags(
  values: Readonly<Record<string, string | boolean | undefined>>,
): Partial<RateGateSettings> {
  const text = (flag: string): string | undefined => {
    const value = values[flag.slice(2)];
    return typeof value === 'string' ? value : undefined;
  };
  try {
    return parseEndpointLimits(
      {
        requestsPerMinute: text(ENDPOINT_LIMIT_FLAGS.requestsPerMinute),
        tokensPerMinute: text(ENDPOINT_LIMIT_FLAGS.tokensPerMinute),
        maxInFlight: text(ENDPOINT_LIMIT_FLAGS.maxInFlight),
        windowMs: text(ENDPOINT_LIMIT_FLAGS.windowMs),
        longestWaitSeconds: text(ENDPOINT_LIMIT_FLAGS.longestWaitSeconds),
      },
      ENDPOINT_LIMIT_FLAGS,
    );
  } catch (error) {
    if (error instanceof ConfigurationError) {
      throw new UsageError(error.message.replace(/^invalid endpoint limits: /, ''), { cause: error });
    }
    throw error;
  }
}
