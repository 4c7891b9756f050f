/** Requests that change nothing: repeated after a 429 without asking. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD']);

/** How a read waits out the API's rate limit. */
export interface RetryAfterPolicy {
  /** Tries of one read in all, the first included. @default 4 */
  readonly attempts?: number;
  /** Longest `Retry-After` waited for; a longer one is the caller's to report. @default 60 s */
  readonly maxWaitMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Wrap `fetch` so that a GET or HEAD answered 429 is sent again after the answer's `Retry-After`
 * (seconds or an HTTP date), up to `attempts` tries and `maxWaitMs` a wait. Anything else — a write, a
 * 429 without a usable hint, a wait longer than the cap — is returned as it came, for the caller to
 * report.
 */
export function honourRetryAfter(
  fetchOnce: (request: Request) => Promise<Response>,
  policy: RetryAfterPolicy = {},
): (request: Request) => Promise<Response> {
  const attempts = policy.attempts ?? 4;
  const maxWaitMs = policy.maxWaitMs ?? 60_000;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = policy.now ?? Date.now;
  return async (request) => {
    if (!IDEMPOTENT_METHODS.has(request.method)) return fetchOnce(request);
    for (let attempt = 1; ; attempt += 1) {
      const response = await fetchOnce(request.clone());
      if (response.status !== 429 || attempt >= attempts) return response;
      const waitMs = retryAfterMs(response.headers.get('retry-after'), now());
      if (waitMs === null || waitMs > maxWaitMs) return response;
      await response.body?.cancel();
      await sleep(waitMs);
    }
  };
}

/** Milliseconds a `Retry-After` value asks for (delta-seconds or an HTTP date); null when unusable. */
export function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return null;
  return Math.max(0, date - nowMs);
}
