import type { ResultLine } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { completeResultLines } from './complete-lines';

const result = (line: number, answer: string): ResultLine => ({
  custom_id: `c-${line}`,
  line,
  status: 'succeeded',
  reasoning: null,
  answer,
  finish_reason: 'stop',
  usage: null,
  attempts: 1,
  latency_ms: 10 * line,
  model: null,
  request_id: null,
  error: null,
});

const file = (...lines: ResultLine[]): Uint8Array =>
  new TextEncoder().encode(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));

describe('completeResultLines', () => {
  const bytes = file(result(1, 'é'.repeat(20)), result(2, '🙂 two'), result(3, 'three'));
  const firstEnd = bytes.indexOf(0x0a) + 1;

  it('takes every line of a whole file', () => {
    expect(completeResultLines(bytes, 0).map((l) => l.line)).toEqual([1, 2, 3]);
  });

  it('drops the partial line at each end of a window that starts inside the file', () => {
    // From the middle of line 1 (inside a multi-byte character) to the middle of line 3.
    const window = bytes.subarray(5, bytes.length - 4);
    expect(completeResultLines(window, 5).map((l) => l.line)).toEqual([2]);
    // A window starting exactly at a line still drops what precedes its first newline: it cannot
    // know that a line starts there.
    expect(completeResultLines(bytes.subarray(firstEnd), firstEnd).map((l) => l.line)).toEqual([3]);
  });

  it('finds nothing in a window inside one line, and skips lines that are not result lines', () => {
    expect(completeResultLines(bytes.subarray(3, 40), 3)).toEqual([]);
    const odd = new TextEncoder().encode('{"not":"a result"}\nnot json\n');
    expect(completeResultLines(odd, 0)).toEqual([]);
  });
});
