import { ErrorCode } from '../errors/error-code';
import { ThinkbatchError } from '../errors/thinkbatch-error';
import { type LineUsage, USAGE_FIELDS, type UsageField, type UsageTotals } from './usage';

type FieldCounts = Record<UsageField, number>;

function zeroCounts(): FieldCounts {
  return {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    reasoning_tokens: 0,
    cached_prompt_tokens: 0,
    estimated_reasoning_tokens: 0,
  };
}

/** Totals of a job before any line has been counted: every sum and every unknown count is 0. */
export function emptyUsageTotals(): UsageTotals {
  return { ...zeroCounts(), lines_with_usage: 0, unknown: zeroCounts() };
}

/**
 * Add two non-negative integer counts exactly. Past `Number.MAX_SAFE_INTEGER` a double can no longer
 * hold every integer, so the sum would silently stop being exact: that is a bug (or corrupt input), so throw.
 */
function safeAdd(a: number, b: number, what: string): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) {
    throw new ThinkbatchError(
      `usage accounting overflow: ${what} ${a} + ${b} exceeds Number.MAX_SAFE_INTEGER, totals would be inexact`,
    );
  }
  return sum;
}

function assertCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ThinkbatchError(`usage accounting: ${what} must be a non-negative safe integer, got ${value}`, {
      code: ErrorCode.invalidValue,
    });
  }
}

/**
 * Count one line's usage into the totals. Pure: returns a new object. A known field is added to its sum; a
 * `null` (unknown) field adds 1 to `unknown[field]` instead, so a reader can tell a total is partial.
 * `lines_with_usage` counts the lines added. Throws `ThinkbatchError` (a bug) on a non-integer or negative
 * count or when a sum would exceed `Number.MAX_SAFE_INTEGER`.
 */
export function addUsage(totals: UsageTotals, usage: LineUsage): UsageTotals {
  const next: UsageTotals = { ...totals, unknown: { ...totals.unknown } };
  addUsageInPlace(next, usage);
  return next;
}

/**
 * `addUsage` into `totals` itself (for a builder that owns its totals: no new object per line). Checks
 * every count and sum first, so a throw leaves `totals` as it was.
 */
export function addUsageInPlace(totals: UsageTotals, usage: LineUsage): void {
  for (const field of USAGE_FIELDS) {
    const value = usage[field];
    if (value === null) safeAdd(totals.unknown[field], 1, `unknown.${field}`);
    else {
      assertCount(value, field);
      safeAdd(totals[field], value, field);
    }
  }
  const lines = safeAdd(totals.lines_with_usage, 1, 'lines_with_usage');
  for (const field of USAGE_FIELDS) {
    const value = usage[field];
    if (value === null) totals.unknown[field] += 1;
    else totals[field] += value;
  }
  totals.lines_with_usage = lines;
}

/**
 * Combine the totals of two disjoint sets of lines (e.g. two chunks of a job). Pure, associative and
 * commutative, with `emptyUsageTotals()` as identity. Throws `ThinkbatchError` past `MAX_SAFE_INTEGER`.
 */
export function mergeUsageTotals(a: UsageTotals, b: UsageTotals): UsageTotals {
  const next = emptyUsageTotals();
  for (const field of USAGE_FIELDS) {
    next[field] = safeAdd(a[field], b[field], field);
    next.unknown[field] = safeAdd(a.unknown[field], b.unknown[field], `unknown.${field}`);
  }
  next.lines_with_usage = safeAdd(a.lines_with_usage, b.lines_with_usage, 'lines_with_usage');
  return next;
}
