import { ResultLine } from '@thinkbatch/core';

const NEWLINE = 0x0a;
const decoder = new TextDecoder();

/**
 * The result lines wholly inside `bytes`, a window of a JSONL file starting at byte `start`: the part
 * before the first newline is dropped unless the window starts the file, the part after the last one is
 * always dropped (a line ends with `\n`). Lines that do not parse as a ResultLine are skipped.
 */
export function completeResultLines(bytes: Uint8Array, start: number): ResultLine[] {
  const first = start === 0 ? 0 : bytes.indexOf(NEWLINE) + 1;
  const last = bytes.lastIndexOf(NEWLINE);
  if (first <= 0 && start !== 0) return [];
  if (last < first) return [];
  const lines: ResultLine[] = [];
  for (const text of decoder.decode(bytes.subarray(first, last)).split('\n')) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    const parsed = ResultLine.safeParse(value);
    if (parsed.success) lines.push(parsed.data);
  }
  return lines;
}
