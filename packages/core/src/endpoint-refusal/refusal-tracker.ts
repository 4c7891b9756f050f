import type { JobError } from '../job/job';
import type { ModelCallResult } from '../ports/model-client';

/** The job-level error code of a job stopped because the endpoint refused every call the same way. */
export const ENDPOINT_REFUSED = 'endpoint_refused';

/**
 * Consecutive identical refusals (401, 403, or 404 for one model) with no success in between after
 * which a job stops: enough to rule out a one-off, few enough that a wrong key costs almost nothing.
 * @default 5
 */
export const DEFAULT_REFUSAL_LIMIT = 5;

/** Statuses that say the same about every line: the key, the account's access, the model or URL. */
const REFUSAL_STATUSES = new Set([401, 403, 404]);

/** Counts an endpoint's refusals of one job's calls, in the order the calls end. */
export interface RefusalTracker {
  /**
   * Note one call's outcome (of a line asking for `model`). Returns the job's error the first time
   * `limit` identical refusals end in a row with no success in between, else null.
   */
  observe(call: ModelCallResult, model: string): JobError | null;
}

/**
 * A tracker for one job. Only the refusals that no retry or other line can change count: 401 (the
 * key), 403 (the key's access) and 404 (the model, or a wrong endpoint URL); two refusals are identical
 * when their status is, and for 404 their model too. A success starts the count again; other failures
 * (429, 5xx, timeouts) neither count nor reset it.
 */
export function createRefusalTracker(limit: number = DEFAULT_REFUSAL_LIMIT): RefusalTracker {
  let streak: { key: string; count: number } | null = null;
  let tripped = false;
  return {
    observe(call, model) {
      if (call.kind === 'completed') {
        streak = null;
        return null;
      }
      const { failure } = call;
      if (failure.type !== 'http_error' || !REFUSAL_STATUSES.has(failure.status)) return null;
      const key = failure.status === 404 ? `404 ${model}` : String(failure.status);
      streak = streak?.key === key ? { key, count: streak.count + 1 } : { key, count: 1 };
      if (tripped || streak.count < limit) return null;
      tripped = true;
      return {
        code: ENDPOINT_REFUSED,
        message: describeRefusal(failure.status, model, failure.message, streak.count),
      };
    },
  };
}

/** What the endpoint refused and what to fix, in one line (the endpoint's own message is already redacted). */
export function describeRefusal(
  status: number,
  model: string,
  endpointMessage: string,
  calls: number,
): string {
  const seen = `HTTP ${status} on ${calls} calls in a row, none accepted: ${shorten(endpointMessage)}`;
  const rerun = 'then run the job again (its failed lines, or the whole file)';
  if (status === 401)
    return `the endpoint refused the API key (${seen}). Set a valid key — NVIDIA_API_KEY or --api-key for the CLI, the NvidiaApiKey secret on AWS — ${rerun}`;
  if (status === 403)
    return `the endpoint refused access (${seen}). Check that the key may use model "${model}" and the account has credits, ${rerun}`;
  return `the endpoint does not know model "${model}" or the URL (${seen}). Check the model (--model, or the lines' "model") and the endpoint URL (--endpoint, ending in /v1), ${rerun}`;
}

const MAX_ENDPOINT_MESSAGE = 200;

function shorten(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > MAX_ENDPOINT_MESSAGE ? `${line.slice(0, MAX_ENDPOINT_MESSAGE)}…` : line;
}
