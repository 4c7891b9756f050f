import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOffHeapStringMap, stringHash32 } from './off-heap-string-map';

describe('createOffHeapStringMap', () => {
  it('agrees with a Map over arbitrary Unicode keys, lone surrogates included, through growth', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.nat({ max: 0xffffffff })), {
          maxLength: 3000,
        }),
        (pairs) => {
          const map = createOffHeapStringMap();
          const reference = new Map<string, number>();
          for (const [key, value] of pairs) {
            expect(map.get(key)).toBe(reference.get(key));
            map.set(key, value);
            reference.set(key, value);
          }
          expect(map.size).toBe(reference.size);
          for (const [key, value] of reference) expect(map.get(key)).toBe(value);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps keys apart that an encoding would merge (two different lone surrogates, NUL, astral)', () => {
    const map = createOffHeapStringMap();
    const keys = ['\ud800', '\udc00', '\ufffd', '\u0000', 'a\u0000', 'a', '😀', '\ud83d', ''];
    for (const [index, key] of keys.entries()) map.set(key, index + 1);
    expect(keys.map((key) => map.get(key))).toEqual(keys.map((_, index) => index + 1));
    expect(map.get('\ude00')).toBeUndefined();
  });

  it('keeps keys apart whose hashes are equal', () => {
    const byHash = new Map<number, string>();
    const pairs: [string, string][] = [];
    for (let i = 1; pairs.length < 3; i += 1) {
      const key = `id-${i}`;
      const other = byHash.get(stringHash32(key));
      if (other === undefined) byHash.set(stringHash32(key), key);
      else pairs.push([other, key]);
    }
    for (const [first, second] of pairs) {
      const map = createOffHeapStringMap();
      map.set(first, 1);
      expect(map.get(second)).toBeUndefined();
      map.set(second, 2);
      expect([map.get(first), map.get(second), map.size]).toEqual([1, 2, 2]);
    }
  });

  it('holds 200,000 distinct ids with their values (table and arena growth)', () => {
    const map = createOffHeapStringMap();
    for (let i = 1; i <= 200_000; i += 1) map.set(`p${i}`, i);
    expect(map.size).toBe(200_000);
    expect(map.get('p1')).toBe(1);
    expect(map.get('p123456')).toBe(123_456);
    expect(map.get('p200000')).toBe(200_000);
    expect(map.get('p200001')).toBeUndefined();
    expect(map.get('p0')).toBeUndefined();
  });

  it('refuses a value that does not fit 32 unsigned bits', () => {
    const map = createOffHeapStringMap();
    expect(() => map.set('a', 2 ** 32)).toThrow(RangeError);
    expect(() => map.set('a', -1)).toThrow(RangeError);
  });

  it('keeps a million short ids in far less V8 heap than a Map does', () => {
    const heapAfter = (fill: () => unknown): number => {
      globalThis.gc?.();
      const before = process.memoryUsage().heapUsed;
      const kept = fill();
      globalThis.gc?.();
      const grown = process.memoryUsage().heapUsed - before;
      expect(kept).toBeDefined();
      return grown;
    };
    const offHeap = heapAfter(() => {
      const map = createOffHeapStringMap();
      for (let i = 1; i <= 1_000_000; i += 1) map.set(`p${i}`, i);
      return map;
    });
    // The ids are built as strings either way; the off-heap map keeps none of them.
    expect(offHeap).toBeLessThan(24 * 1024 * 1024); // a Map: 51–67 MiB here
  });
});
