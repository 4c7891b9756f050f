import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '@thinkbatch/core';
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError } from './api-error';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * True when `given` is the token. Both are hashed first, so the comparison takes the same time whatever
 * the given value's length or content (`timingSafeEqual` needs equal lengths).
 */
export function isToken(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

/** What a token may do: everything, or list and read only. */
export type TokenScope = 'full' | 'read';

/** One accepted token, its scope and a name to count its requests by (never the token itself). */
export interface Credential {
  readonly token: string;
  readonly scope: TokenScope;
  readonly name: string;
}

/** The credential a request authenticated with, for the middlewares after the check. */
const authenticated = new WeakMap<Request, Credential>();

/** The credential `bearerAuth` accepted for this request; throws when it ran without one. */
export function credentialOf(c: Context): Credential {
  const credential = authenticated.get(c.req.raw);
  if (credential === undefined) throw new Error('bearerAuth has not authenticated this request');
  return credential;
}

/**
 * Require `Authorization: Bearer <token>` with one of `credentials`; anything else is 401
 * `unauthenticated` with a `WWW-Authenticate` challenge. The given value is compared with every
 * credential (no early exit), so the time taken tells nothing about which one nearly matched. The header
 * is never logged or echoed.
 */
export function bearerAuth(credentials: readonly Credential[]): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    const given = match?.[1];
    let found: Credential | undefined;
    if (given !== undefined)
      for (const credential of credentials) if (isToken(given, credential.token)) found ??= credential;
    if (found === undefined) {
      c.header('WWW-Authenticate', 'Bearer realm="thinkbatch"');
      throw new ApiError(
        header === '' ? 'missing bearer token (Authorization: Bearer <token>)' : 'invalid bearer token',
        { code: ErrorCode.unauthenticated },
      );
    }
    authenticated.set(c.req.raw, found);
    await next();
  };
}

/** Methods that change nothing: a read-only token may make these and no others. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Refuse with 403 `forbidden` a request a read-only token may not make (create, cancel, retry, …). */
export function requireScope(): MiddlewareHandler {
  return async (c, next) => {
    if (credentialOf(c).scope === 'read' && !READ_METHODS.has(c.req.method))
      throw new ApiError(
        `this token is read-only: it may list and read jobs, not ${c.req.method} ${c.req.path} (use the API token that may change jobs)`,
        { code: ErrorCode.forbidden },
      );
    await next();
  };
}
