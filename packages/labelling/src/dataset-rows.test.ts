import { describe, expect, it } from 'vitest';
import { MAX_ROWS_PER_FILE, readDatasetRows, rowHash } from './dataset-rows';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('readDatasetRows', () => {
  it('reads JSONL rows, reporting lines that are no object instead of dropping them', () => {
    const rows = readDatasetRows(bytes('{"a":1}\n\n{broken\n[1]\r\n{"b":"x"}'), 'jsonl');
    expect(rows.map((r) => (r.kind === 'row' ? r.fields : r.reason))).toEqual([
      { a: 1 },
      'not valid JSON',
      'not a JSON object',
      { b: 'x' },
    ]);
  });

  it('reads CSV with a header, quotes and a BOM', () => {
    const rows = readDatasetRows(bytes('\ufeffid,text\n1,"a, ""b"""\n2,c\n'), 'csv');
    expect(rows.map((r) => (r.kind === 'row' ? r.fields : null))).toEqual([
      { id: '1', text: 'a, "b"' },
      { id: '2', text: 'c' },
    ]);
  });

  it('hashes a row by its content, whatever the key order', () => {
    expect(rowHash({ a: 1, b: 'x' })).toBe(rowHash({ b: 'x', a: 1 }));
    expect(rowHash({ a: 1 })).not.toBe(rowHash({ a: 2 }));
  });

  it('reports rows past the limit instead of dropping them silently', () => {
    const text = Array.from({ length: MAX_ROWS_PER_FILE + 2 }, (_, i) => `{"i":${i}}`).join('\n');
    const rows = readDatasetRows(bytes(text), 'jsonl');
    expect(rows).toHaveLength(MAX_ROWS_PER_FILE + 1);
    expect(rows.at(-1)).toMatchObject({
      kind: 'unreadable',
      reason: expect.stringMatching(/more than 100000 rows/),
    });
  });
});
