import { type ApiClient, createApiClient } from '@thinkbatch/api/client';
import { isValidJobId } from '@thinkbatch/core';
import { honourRetryAfter, retryAfterMs } from './api-connection-retry-after';
import { CLIENT_EXIT_CODES, ClientError } from './client-error';
import type { ClientIo } from './client-io';
import { API_TOKEN_ENV, SERVE_DEFAULTS } from './serve-defaults';
import { UsageError } from './usage-error';

/** The environment variable naming the API's URL for the client commands. */
export const API_URL_ENV = 'THINKBATCH_API';

/** Where `thinkbatch serve` listens by default: the client commands' default API. */
export const DEFAULT_API_URL = `http://${SERVE_DEFAULTS.host}:${SERVE_DEFAULTS.port}`;

/** How long one request may take before the command gives up. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The `parseArgs` options every client command takes. */
export const CONNECTION_OPTIONS = {
  api: { type: 'string' },
  token: { type: 'string' },
} as const;

export const CONNECTION_HELP = `Connection:
  --api URL            the API (default $${API_URL_ENV}, else ${DEFAULT_API_URL}; a trailing /v1 is fine)
  --token TOKEN        bearer token (default $${API_TOKEN_ENV}; prefer the variable: flags show in ps)`;

/** What one generated-client call resolves to (openapi-fetch's result, loosely). */
interface CallResult<T> {
  readonly data?: T;
  readonly error?: unknown;
  readonly response: Response;
}

/** The API for one command: the generated client, and `call` to turn every failure into one line. */
export interface ApiConnection {
  /** The API's base URL, without `/v1`. */
  readonly baseUrl: string;
  readonly client: ApiClient;
  /**
   * Make one request; its data, or a `ClientError` saying what to do (start serve, set the token, no
   * such job) with its exit code. `jobId` names the job a 404 is about.
   */
  call<T>(request: (client: ApiClient) => Promise<CallResult<T>>, jobId?: string): Promise<T>;
}

/**
 * The API the flags (else the environment, else the local default) name. The token is only ever put in
 * the Authorization header: no message of this module contains it.
 */
export function openApiConnection(
  flags: { readonly api?: string | undefined; readonly token?: string | undefined },
  io: Pick<ClientIo, 'env' | 'stderr'>,
): ApiConnection {
  const baseUrl = normalizeApiUrl(flags.api ?? nonEmpty(io.env[API_URL_ENV]) ?? DEFAULT_API_URL);
  const token = nonEmpty(flags.token) ?? nonEmpty(io.env[API_TOKEN_ENV]);
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token))
    throw new UsageError(`the API token must be printable ASCII without spaces (check $${API_TOKEN_ENV})`);
  if (token !== undefined && sendsInClear(baseUrl))
    io.stderr.write(
      `thinkbatch: warning: the token goes unencrypted over http to ${new URL(baseUrl).host}: use https beyond this machine\n`,
    );
  const client = createApiClient({
    baseUrl,
    ...(token !== undefined && { token }),
    // A read the API rate-limited is sent again after its Retry-After; a write is reported.
    fetch: honourRetryAfter((request) =>
      fetch(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) }),
    ),
  });
  async function call<T>(request: (api: ApiClient) => Promise<CallResult<T>>, jobId?: string): Promise<T> {
    let result: CallResult<T>;
    try {
      result = await request(client);
    } catch (error) {
      throw unreachable(baseUrl, error);
    }
    if (result.response.ok && result.data !== undefined) return result.data;
    throw refused(result.response, result.error, { baseUrl, hasToken: token !== undefined, jobId });
  }
  return { baseUrl, client, call };
}

/** A job id from the command line, checked before it goes into a URL. */
export function jobIdArgument(value: string | undefined, what = 'job id'): string {
  if (value === undefined) throw new UsageError(`missing ${what}`);
  if (!isValidJobId(value))
    throw new UsageError(`not a job id: "${printable(value)}" (1–64 of [A-Za-z0-9_-])`);
  return value;
}

/** `http(s)://host[:port][/prefix]`, without a trailing `/` or `/v1` (the client adds `/v1/...`). */
export function normalizeApiUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--api must be a URL like ${DEFAULT_API_URL}, got "${printable(raw)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--api must be an http or https URL, got "${printable(raw)}"`);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '')
    throw new UsageError('--api takes no credentials, query or fragment: give the token with --token');
  return `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
}

/** Plain http to another machine: anyone on the way reads the bearer token. */
function sendsInClear(baseUrl: string): boolean {
  const { protocol, hostname } = new URL(baseUrl);
  return (
    protocol === 'http:' &&
    !['127.0.0.1', 'localhost', '[::1]'].includes(hostname) &&
    !hostname.startsWith('127.')
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Text from the server or the user, safe to print on one line (no control characters). */
export function printable(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ').slice(0, 500);
}

function unreachable(baseUrl: string, error: unknown): ClientError {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError')
    return new ClientError(
      `the API at ${baseUrl} did not answer within ${REQUEST_TIMEOUT_MS / 1000}s`,
      CLIENT_EXIT_CODES.unreachable,
      { cause: error, retryable: true },
    );
  if (cause?.code === 'ECONNREFUSED')
    return new ClientError(
      `cannot reach the API at ${baseUrl} (connection refused): start it with "thinkbatch serve", or set --api / $${API_URL_ENV}`,
      CLIENT_EXIT_CODES.unreachable,
      { cause: error },
    );
  const detail = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new ClientError(
    `cannot reach the API at ${baseUrl}: ${printable(detail)}`,
    CLIENT_EXIT_CODES.unreachable,
    { cause: error, retryable: cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET' },
  );
}

function refused(
  response: Response,
  body: unknown,
  context: { readonly baseUrl: string; readonly hasToken: boolean; readonly jobId: string | undefined },
): ClientError {
  const { status } = response;
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const said =
    typeof error?.code === 'string' && typeof error.message === 'string'
      ? `${error.code}: ${printable(error.message)}`
      : `HTTP ${status}`;
  if (status === 403) {
    return new ClientError(
      `the API at ${context.baseUrl} refused this request (403 ${said}): the token may only list and read jobs; set $${API_TOKEN_ENV} (or --token) to the token that may change them`,
      CLIENT_EXIT_CODES.unauthenticated,
      { httpStatus: status },
    );
  }
  if (status === 429) {
    const waitMs = retryAfterMs(response.headers.get('retry-after'), Date.now());
    const when = waitMs === null ? 'later' : `in ${Math.ceil(waitMs / 1000)} s`;
    return new ClientError(
      `the API at ${context.baseUrl} is rate-limiting this token (429): too many requests, try again ${when}`,
      CLIENT_EXIT_CODES.failed,
      { httpStatus: status },
    );
  }
  if (status === 401) {
    return new ClientError(
      context.hasToken
        ? `the API at ${context.baseUrl} refused the token (${status}): set $${API_TOKEN_ENV} (or --token) to the token "thinkbatch serve" printed`
        : `the API at ${context.baseUrl} needs a token: set $${API_TOKEN_ENV} (or pass --token) to the token "thinkbatch serve" printed`,
      CLIENT_EXIT_CODES.unauthenticated,
      { httpStatus: status },
    );
  }
  if (status === 404) {
    return new ClientError(
      context.jobId === undefined
        ? `the API at ${context.baseUrl} has no such route (404): is --api / $${API_URL_ENV} the thinkbatch API?`
        : `no such job: ${context.jobId}`,
      CLIENT_EXIT_CODES.notFound,
      { httpStatus: status },
    );
  }
  return new ClientError(`the API refused the request (${status} ${said})`, CLIENT_EXIT_CODES.failed, {
    retryable: status >= 500,
    httpStatus: status,
  });
}
