import { z } from 'zod';
import { ConfigurationError } from '../errors/thinkbatch-error';
import { ENDPOINT_LIMITS_ENV } from '../settings';
import { parseRateGateSettings, type RateGateSettings } from './rate-gate-settings';

/**
 * An endpoint's limits as text — the CLI's flags or the worker's environment. Each field is a number,
 * `auto` for a limit found from 429s (the three limits only), `none` for a limit the endpoint does not
 * set (`none` for requests and calls in flight, and no token limit: `RateGateSettings.unlimited`), or
 * missing/blank for the default.
 */
export interface EndpointLimitsText {
  /** Requests per minute. */
  readonly requestsPerMinute?: string | undefined;
  /** Tokens (prompt + completion) per minute. */
  readonly tokensPerMinute?: string | undefined;
  /** Calls in flight at once (whole). */
  readonly maxInFlight?: string | undefined;
  /** The provider's window for per-minute limits, ms (whole). */
  readonly windowMs?: string | undefined;
  /** Longest a line waits for capacity in all, seconds. */
  readonly longestWaitSeconds?: string | undefined;
}

/** What each field is called where the text came from (a flag, an environment variable), for errors. */
export type EndpointLimitNames = { readonly [K in keyof EndpointLimitsText]-?: string };

const DECIMAL = /^\d+(\.\d+)?$/;
const number = z
  .string()
  .regex(DECIMAL, 'must be a number')
  .transform(Number)
  .pipe(z.number().positive('must be more than 0'));
const whole = z
  .string()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number)
  .pipe(z.number().int().positive('must be more than 0'));
/** `none`: the endpoint sets no such limit (see `RateGateSettings.unlimited`). */
const NONE = 'none';
// The message names the usual choices; `none` is for endpoints without limits (see the flags' help).
const orAutoOrNone = <T extends z.ZodType>(value: T) =>
  z.union([z.literal(NONE), z.literal('auto').transform(() => null), value], {
    error: 'must be a number or "auto"',
  });

/** The text fields as settings; blank fields are left out before this runs. */
const EndpointLimitsTextSchema = z.object({
  requestsPerMinute: orAutoOrNone(number).optional(),
  tokensPerMinute: orAutoOrNone(number).optional(),
  maxInFlight: orAutoOrNone(whole).optional(),
  windowMs: whole.optional(),
  longestWaitSeconds: number.optional(),
});

/**
 * Validate an endpoint's limits given as text and return them as (partial) `RateGateSettings`: only the
 * fields given, so the rest keep their defaults. Throws `ConfigurationError` naming the flag or variable.
 *
 * @example parseEndpointLimits({ requestsPerMinute: '1200', maxInFlight: 'auto' }, names)
 *   // → { requestsPerMinute: 1200, maxInFlight: null }
 */
export function parseEndpointLimits(
  text: EndpointLimitsText,
  names: EndpointLimitNames,
): Partial<RateGateSettings> {
  const given = Object.fromEntries(
    Object.entries(text)
      .map(([field, value]) => [field, value?.trim().toLowerCase() ?? ''])
      .filter(([, value]) => value !== ''),
  );
  const parsed = EndpointLimitsTextSchema.safeParse(given);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((issue) => {
        const field = String(issue.path[0]) as keyof EndpointLimitNames;
        return `${names[field] ?? field} ${issue.message}, got ${JSON.stringify(text[field] ?? '')}`;
      })
      .join('; ');
    throw new ConfigurationError(`invalid endpoint limits: ${detail}`, { cause: parsed.error });
  }
  const { windowMs, longestWaitSeconds } = parsed.data;
  // `none` is an unknown limit to the gate; `none` for requests and calls in flight (and no token limit)
  // is an endpoint without limits.
  const limit = <T>(value: T | typeof NONE): T | null => (value === NONE ? null : value);
  const requestsPerMinute = limit(parsed.data.requestsPerMinute);
  const tokensPerMinute = limit(parsed.data.tokensPerMinute);
  const maxInFlight = limit(parsed.data.maxInFlight);
  const unlimited =
    parsed.data.requestsPerMinute === NONE &&
    parsed.data.maxInFlight === NONE &&
    (parsed.data.tokensPerMinute === undefined || parsed.data.tokensPerMinute === NONE);
  const settings: Partial<RateGateSettings> = {
    ...(unlimited && { unlimited, tokensPerMinute: null }),
    ...(requestsPerMinute !== undefined && { requestsPerMinute }),
    ...(tokensPerMinute !== undefined && { tokensPerMinute }),
    ...(maxInFlight !== undefined && { maxInFlight }),
    ...(windowMs !== undefined && { windowMs }),
    ...(longestWaitSeconds !== undefined && {
      longestWaitMs: Math.max(1, Math.round(longestWaitSeconds * 1000)),
    }),
  };
  parseRateGateSettings(settings); // the ranges the gate itself checks
  return settings;
}

/** The endpoint's limits from the environment (`ENDPOINT_LIMITS_ENV`); unset variables keep the defaults. */
export function endpointLimitsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Partial<RateGateSettings> {
  const text: EndpointLimitsText = {
    requestsPerMinute: env[ENDPOINT_LIMITS_ENV.requestsPerMinute],
    tokensPerMinute: env[ENDPOINT_LIMITS_ENV.tokensPerMinute],
    maxInFlight: env[ENDPOINT_LIMITS_ENV.maxInFlight],
    windowMs: env[ENDPOINT_LIMITS_ENV.windowMs],
    longestWaitSeconds: env[ENDPOINT_LIMITS_ENV.longestWaitSeconds],
  };
  return parseEndpointLimits(text, ENDPOINT_LIMITS_ENV);
}
