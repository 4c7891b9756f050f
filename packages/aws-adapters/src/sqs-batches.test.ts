import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planBatches, type QueueEntry } from './sqs-batches';

const entry = (id: number, bytes: number): QueueEntry => ({ id: String(id), body: '', bytes });

describe('planBatches', () => {
  it('fills batches greedily by count and by bytes', () => {
    const sizes = (batches: QueueEntry[][]): number[][] => batches.map((batch) => batch.map((e) => e.bytes));
    expect(planBatches([], { maxEntries: 3, maxBytes: 10 })).toEqual([]);
    expect(
      sizes(
        planBatches(
          [1, 1, 1, 1].map((b, i) => entry(i, b)),
          { maxEntries: 3, maxBytes: 10 },
        ),
      ),
    ).toEqual([[1, 1, 1], [1]]);
    expect(
      sizes(
        planBatches(
          [6, 4, 1, 10, 0].map((b, i) => entry(i, b)),
          { maxEntries: 3, maxBytes: 10 },
        ),
      ),
    ).toEqual([[6, 4], [1], [10, 0]]);
  });

  it('refuses an entry larger than a whole batch', () => {
    expect(() => planBatches([entry(1, 11)], { maxEntries: 3, maxBytes: 10 })).toThrow(
      /entry 1 has 11 bytes, more than 10/,
    );
  });

  it('keeps every entry once, in order, within the limits, and never leaves room for the next batch’s first entry', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (maxEntries, maxBytes, raw) => {
          const entries = raw.map((n, i) => entry(i, n % (maxBytes + 1)));
          const batches = planBatches(entries, { maxEntries, maxBytes });
          expect(batches.flat()).toEqual(entries);
          batches.forEach((batch, i) => {
            const bytes = batch.reduce((sum, e) => sum + e.bytes, 0);
            expect(batch.length).toBeGreaterThan(0);
            expect(batch.length).toBeLessThanOrEqual(maxEntries);
            expect(bytes).toBeLessThanOrEqual(maxBytes);
            const next = batches[i + 1]?.[0];
            if (next !== undefined)
              expect(batch.length === maxEntries || bytes + next.bytes > maxBytes).toBe(true);
          });
        },
      ),
    );
  });
});
