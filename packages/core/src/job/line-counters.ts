import { ErrorCode } from '../errors/error-code';
import { ThinkbatchError } from '../errors/thinkbatch-error';
import { addUsageInPlace, mergeUsageTotals } from '../usage/accounting';
import { type ChunkCounters, emptyChunkCounters, type LineRecord } from './chunk';

/** What the counting rule reads of a finished line: a `LineRecord` and a `ResultLine` both have it. */
export type CountedLine = Pick<LineRecord, 'status' | 'attempts' | 'usage'>;

/**
 * The one counting rule: what a finished line adds to the counters of its chunk, and so to its job's
 * progress and summary. 1 to its status; its endpoint attempts; its retries (attempts beyond the
 * first); and its usage, when it has one: each known field to its sum, each unknown field 1 to its
 * unknown count, 1 to `lines_with_usage`. The job stores (in memory, DynamoDB), the live progress and
 * `summary.json` all count through it. Throws `ThinkbatchError` (`invalid_value`) on a count that is
 * not a non-negative safe integer, before anything is counted.
 */
export function lineCounterDelta(line: CountedLine): ChunkCounters {
  const delta = emptyChunkCounters();
  addLineCountsInPlace(delta, line);
  return delta;
}

/**
 * Add what `line` counts (`lineCounterDelta`'s rule) into `counters` itself, for a builder that owns its
 * counters (no new objects per line). Checks first: a throw leaves `counters` as they were.
 */
export function addLineCountsInPlace(counters: ChunkCounters, line: CountedLine): void {
  const { attempts, status } = line;
  if (!Number.isSafeInteger(attempts) || attempts < 0) {
    throw new ThinkbatchError(`attempts must be a non-negative safe integer, got ${attempts}`, {
      code: ErrorCode.invalidValue,
    });
  }
  const retries = Math.max(0, attempts - 1);
  const next = {
    status: sum(counters[status], 1, status),
    attempts: sum(counters.attempts, attempts, 'attempts'),
    retries: sum(counters.retries, retries, 'retries'),
  };
  if (line.usage !== null) addUsageInPlace(counters.usage, line.usage);
  counters[status] = next.status;
  counters.attempts = next.attempts;
  counters.retries = next.retries;
}

/** `x + y`, exact: throws `ThinkbatchError` past `Number.MAX_SAFE_INTEGER`. */
function sum(x: number, y: number, what: string): number {
  const total = x + y;
  if (!Number.isSafeInteger(total)) throw new ThinkbatchError(`counter overflow: ${what} ${x} + ${y}`);
  return total;
}

/**
 * Counters of two disjoint sets of lines, added: a chunk plus a line's delta, or a job's chunks summed.
 * Exact; throws `ThinkbatchError` past `Number.MAX_SAFE_INTEGER`.
 */
export function addChunkCounters(a: ChunkCounters, b: ChunkCounters): ChunkCounters {
  return {
    succeeded: sum(a.succeeded, b.succeeded, 'succeeded'),
    failed: sum(a.failed, b.failed, 'failed'),
    cancelled: sum(a.cancelled, b.cancelled, 'cancelled'),
    expired: sum(a.expired, b.expired, 'expired'),
    attempts: sum(a.attempts, b.attempts, 'attempts'),
    retries: sum(a.retries, b.retries, 'retries'),
    usage: mergeUsageTotals(a.usage, b.usage),
  };
}
