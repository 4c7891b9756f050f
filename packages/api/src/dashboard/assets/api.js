// The dashboard's only way to data: the API, with the bearer token. The token arrives once in the URL
// fragment (`/#token=…`, which never reaches a server), is kept in sessionStorage (this tab only) and
// leaves the address bar at once. It is sent in the Authorization header, never in a URL.

const TOKEN_KEY = 'thinkbatch.api-token';

/** An API answer other than 2xx: its status and the API's stable error code. */
export class ApiFailure extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiFailure';
    this.status = status;
    this.code = code;
  }
}

/** Move a `#token=…` fragment into sessionStorage and out of the address bar (and history). */
export function adoptTokenFromFragment() {
  const match = /^#token=([^&]+)$/.exec(window.location.hash);
  if (match === null) return;
  setToken(decodeURIComponent(match[1]));
  window.history.replaceState(null, '', `${window.location.pathname}#/`);
}

/** @returns {string | null} */
export function getToken() {
  return window.sessionStorage.getItem(TOKEN_KEY);
}

/** @param {string} token */
export function setToken(token) {
  window.sessionStorage.setItem(TOKEN_KEY, token.trim());
}

export function forgetToken() {
  window.sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * GET or POST an API path (`/v1/…`) with the token; the parsed JSON body, or an ApiFailure.
 * @param {string} path @param {{ method?: string }} [options]
 */
export async function api(path, options = {}) {
  const token = getToken();
  if (token === null || token === '') throw new ApiFailure(401, 'no_token', 'No API token in this tab yet.');
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    cache: 'no-store',
    credentials: 'omit',
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = body?.error;
    throw new ApiFailure(
      response.status,
      typeof error?.code === 'string' ? error.code : 'http_error',
      typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`,
    );
  }
  return body;
}

const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The API path of a job (the id checked as the API checks it). @param {string} id @param {string} [rest] */
export function jobPath(id, rest = '') {
  if (!JOB_ID.test(id)) throw new ApiFailure(400, 'invalid_value', `not a job id: ${id}`);
  return `/v1/jobs/${id}${rest}`;
}
