import { ConfigurationError } from '@thinkbatch/core';
import type { RateLimitConfig } from './rate-limit';

/** The variable holding the read-only token (list and read jobs, never change them). */
export const API_READ_TOKEN_ENV = 'THINKBATCH_API_READ_TOKEN';

/** The variable holding the per-token rate limit: `REQUESTS/SECONDS` (e.g. `600/60`) or `none`. */
export const API_RATE_LIMIT_ENV = 'THINKBATCH_API_RATE_LIMIT';

/** What the environment says about who may do what how often; unset variables leave the defaults. */
export interface ApiAccessSettings {
  readonly readToken?: string;
  readonly rateLimit?: RateLimitConfig | null;
}

/**
 * Read `THINKBATCH_API_READ_TOKEN` and `THINKBATCH_API_RATE_LIMIT` (`serve` and the Lambda handler share
 * this). Throws `ConfigurationError` on a malformed limit; the token's own checks are `resolveApiDeps`'.
 */
export function apiAccessFromEnv(env: Readonly<Record<string, string | undefined>>): ApiAccessSettings {
  const readToken = env[API_READ_TOKEN_ENV];
  const limit = env[API_RATE_LIMIT_ENV];
  return {
    ...(readToken !== undefined && readToken !== '' && { readToken }),
    ...(limit !== undefined && limit !== '' && { rateLimit: parseRateLimit(limit) }),
  };
}

/** `REQUESTS/SECONDS` → a limit; `none` → no limit. */
export function parseRateLimit(text: string): RateLimitConfig | null {
  if (text.trim().toLowerCase() === 'none') return null;
  const match = /^\s*(\d{1,7})\s*\/\s*(\d{1,4})\s*$/.exec(text);
  const requests = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (match === null || requests < 1 || windowSeconds < 1 || windowSeconds > 3600)
    throw new ConfigurationError(
      `${API_RATE_LIMIT_ENV} must be REQUESTS/SECONDS (1–3600 seconds, e.g. 600/60) or none, got "${text.slice(0, 40)}"`,
    );
  return { requests, windowSeconds };
}
