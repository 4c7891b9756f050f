import { ErrorCode } from '@thinkbatch/core';
import type { MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import { ApiError } from './api-error';
import { credentialOf } from './bearer-auth';

/** How many requests one token may make per window. */
export interface RateLimitConfig {
  readonly requests: number;
  readonly windowSeconds: number;
}

/**
 * Count each token's requests in fixed windows (`hono-rate-limiter`, its in-process memory store) and
 * answer 429 `too_many_requests` with `Retry-After` (seconds to the window's end) past the limit; every
 * answer carries the `RateLimit-*` headers. Runs after `bearerAuth`: requests are counted by the
 * credential's name, never by the token. The store is per process: on Lambda each warm instance counts
 * for itself, and the function's reserved concurrency bounds the instances (see infra/args/api.ts).
 */
export function rateLimitPerToken(config: RateLimitConfig): MiddlewareHandler {
  return rateLimiter({
    windowMs: config.windowSeconds * 1000,
    limit: config.requests,
    standardHeaders: 'draft-6',
    keyGenerator: (c) => credentialOf(c).name,
    handler: () => {
      throw new ApiError(
        `too many requests: this token may make ${config.requests} per ${config.windowSeconds} s; retry after the seconds in Retry-After`,
        { code: ErrorCode.tooManyRequests },
      );
    },
  });
}
