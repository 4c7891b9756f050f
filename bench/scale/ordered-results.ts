/** Check a `results.jsonl` without holding it: one line per input line, in input order, each succeeded. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** What the file held. */
export interface ResultsCheck {
  readonly lines: number;
  /** Lines whose `line` number was not one more than the previous one's. */
  readonly outOfOrder: number;
  readonly succeeded: number;
}

/** Stream `path` and count its lines, those out of order and those succeeded. */
export async function checkOrderedResults(path: string): Promise<ResultsCheck> {
  let lines = 0;
  let outOfOrder = 0;
  let succeeded = 0;
  let previous: number | null = null;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (text === '') continue;
    const result = JSON.parse(text) as { line?: unknown; status?: unknown };
    lines += 1;
    if (result.status === 'succeeded') succeeded += 1;
    const line = typeof result.line === 'number' ? result.line : Number.NaN;
    if (previous !== null && line !== previous + 1) outOfOrder += 1;
    previous = line;
  }
  return { lines, outOfOrder, succeeded };
}
