import { USAGE_FIELDS } from '../usage/usage';
import { LineErrorCode, LineStatus, ResultLine } from './result-line';

/*
 * A cheap check of result lines read back from the job's own files (finalize reads every line once):
 * they were built as ResultLines when recorded, so nearly all pass a plain check of their fields. It
 * accepts a value only when `ResultLine.safeParse` would, and returns the value as the schema would
 * (same keys); anything else — an unknown key, a wrong type — is left to the schema, so a corrupt line
 * fails with the schema's message as before. `stored-result-line.test.ts` compares the two.
 */

const LINE_KEYS = Object.keys(ResultLine.shape);
const STATUSES = new Set<string>(LineStatus.options);
const ERROR_CODES = new Set<string>(LineErrorCode.options);

const isCount = (value: unknown): boolean =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isStringOrNull = (value: unknown): boolean => value === null || typeof value === 'string';
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether `value` has exactly `keys` (all present, no other). */
function hasExactly(value: Record<string, unknown>, keys: readonly string[]): boolean {
  let count = 0;
  for (const _ in value) count += 1;
  return count === keys.length && keys.every((key) => key in value);
}

function isUsage(value: unknown): boolean {
  if (value === null) return true;
  if (!isPlainObject(value) || !hasExactly(value, USAGE_FIELDS)) return false;
  return USAGE_FIELDS.every((field) => value[field] === null || isCount(value[field]));
}

function isLineError(value: unknown): boolean {
  if (value === null) return true;
  if (!isPlainObject(value)) return false;
  const keys = 'http_status' in value ? ['code', 'message', 'http_status'] : ['code', 'message'];
  if (!hasExactly(value, keys)) return false;
  const { code, message, http_status: status } = value;
  if (typeof code !== 'string' || !ERROR_CODES.has(code) || typeof message !== 'string') return false;
  return status === undefined || (typeof status === 'number' && Number.isSafeInteger(status));
}

/** `value` as a ResultLine when the cheap check vouches for it; null when the schema must decide. */
export function checkStoredResultLine(value: unknown): ResultLine | null {
  if (!isPlainObject(value) || !hasExactly(value, LINE_KEYS)) return null;
  const { custom_id, line, status, attempts, latency_ms } = value;
  const fine =
    typeof custom_id === 'string' &&
    typeof line === 'number' &&
    Number.isSafeInteger(line) &&
    line > 0 &&
    typeof status === 'string' &&
    STATUSES.has(status) &&
    isStringOrNull(value['reasoning']) &&
    isStringOrNull(value['answer']) &&
    isStringOrNull(value['finish_reason']) &&
    isUsage(value['usage']) &&
    isCount(attempts) &&
    (latency_ms === null || isCount(latency_ms)) &&
    isStringOrNull(value['model']) &&
    isStringOrNull(value['request_id']) &&
    isLineError(value['error']);
  return fine ? (value as ResultLine) : null;
}
