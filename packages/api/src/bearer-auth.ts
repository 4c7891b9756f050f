import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '@thinkbatch/core';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './api-error';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * True when `given` is the token. Both are hashed first, so the comparison takes the same time whatever
 * the given value's length or content (`timingSafeEqual` needs equal lengths).
 */
export function isToken(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * Require `Authorization: Bearer <token>`; anything else is 401 `unauthenticated` with a
 * `WWW-Authenticate` challenge. The header is never logged or echoed.
 */
export function bearerAuth(token: string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match?.[1] === undefined || !isToken(match[1], token)) {
      c.header('WWW-Authenticate', 'Bearer realm="thinkbatch"');
      throw new ApiError(
        header === '' ? 'missing bearer token (Authorization: Bearer <token>)' : 'invalid bearer token',
        { code: ErrorCode.unauthenticated },
      );
    }
    await next();
  };
}
