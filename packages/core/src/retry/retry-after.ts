/** Response headers as `fetch`'s `Headers` or a plain record (names matched case-insensitively). */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | undefined>>;

const NUMBER = /^-?\d+(\.\d+)?$/;
/** RFC 9110 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and obsolete RFC 850 (`Sunday, 06-Nov-94 …`). */
const GMT_DATE = /^[A-Za-z]{3,9}, \d{1,2}[ -][A-Za-z]{3}[ -]\d{2,4} \d{2}:\d{2}:\d{2} GMT$/;
/** Obsolete asctime form (`Sun Nov  6 08:49:37 1994`), which is in GMT without saying so. */
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} {1,2}\d{1,2} \d{2}:\d{2}:\d{2} \d{4}$/;

function header(headers: HeaderSource, name: string): string | null {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name);
  }
  const record = headers as Readonly<Record<string, string | undefined>>;
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() === name && value !== undefined) return value;
  }
  return null;
}

function number(value: string): number | null {
  return NUMBER.test(value) ? Number(value) : null;
}

/**
 * The wait a server asked for, in whole milliseconds (rounded up), or `null` when it sent none or
 * nothing readable. Reads `retry-after-ms` (milliseconds, OpenAI's extension) first, then `retry-after`
 * as seconds (decimals allowed) or as an HTTP date (relative to `now`, epoch ms). Negative values and
 * dates in the past give 0. `Date.parse` alone accepts garbage such as `"hello 2020"`, so dates must
 * match one of the three HTTP-date forms first.
 */
export function parseRetryAfter(headers: HeaderSource, now: number): number | null {
  const msValue = header(headers, 'retry-after-ms')?.trim();
  const ms = msValue === undefined ? null : number(msValue);
  if (ms !== null) return Math.max(0, Math.ceil(ms));

  const value = header(headers, 'retry-after')?.trim();
  if (value === undefined) return null;
  const seconds = number(value);
  if (seconds !== null) return Math.max(0, Math.ceil(seconds * 1000));

  let date = Number.NaN;
  if (GMT_DATE.test(value)) date = Date.parse(value);
  else if (ASCTIME.test(value)) date = Date.parse(`${value} GMT`);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil(date - now));
}
