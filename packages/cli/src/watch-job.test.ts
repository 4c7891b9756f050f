import { describe, expect, it } from 'vitest';
import { createProgressLine } from './watch-job';

function sink(isTTY: boolean) {
  const written: string[] = [];
  return { written, isTTY, write: (text: string) => written.push(text) };
}

describe('createProgressLine', () => {
  it('redraws one line in place on a terminal and moves below it at the end', () => {
    const out = sink(true);
    const line = createProgressLine(out);
    line.show('1/2');
    line.show('2/2');
    line.end();
    expect(out.written.join('')).toBe('\r\u001b[2K1/2\r\u001b[2K2/2\n');
  });

  it('prints one plain line per change elsewhere (logs, pipes)', () => {
    const out = sink(false);
    const line = createProgressLine(out);
    line.show('1/2');
    line.show('2/2');
    line.end();
    expect(out.written.join('')).toBe('1/2\n2/2\n');
  });
});
