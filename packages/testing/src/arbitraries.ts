import { type LineStatus, type LineUsage, USAGE_FIELDS } from '@thinkbatch/core';
import fc from 'fast-check';

/** A token count as endpoints report it: a whole number up to `max`, or unknown (`null`). */
export function tokenCount(max = 1_000_000): fc.Arbitrary<number | null> {
  return fc.option(fc.nat({ max }), { nil: null });
}

/** One line's usage, every field known or not, for property tests of the accounting. */
export function lineUsage(max = 1_000_000): fc.Arbitrary<LineUsage> {
  const count = tokenCount(max);
  return fc.record(
    Object.fromEntries(USAGE_FIELDS.map((field) => [field, count])),
  ) as fc.Arbitrary<LineUsage>;
}

/** A final line status. */
export const lineStatus: fc.Arbitrary<LineStatus> = fc.constantFrom(
  'succeeded',
  'failed',
  'cancelled',
  'expired',
);

/** Usage with every count unknown: what a line carries when the endpoint sent a usage object without counts. */
export function unknownLineUsage(): LineUsage {
  return Object.fromEntries(USAGE_FIELDS.map((field) => [field, null])) as LineUsage;
}
