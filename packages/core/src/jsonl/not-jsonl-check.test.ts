import { describe, expect, it } from 'vitest';
import { type JsonlRecord, readJsonlLines } from './jsonl-reader';
import { checkLooksLikeJsonl, NotJsonlError, type RequestProblem } from './not-jsonl-check';

const encoder = new TextEncoder();

async function check(
  body: string | Uint8Array,
  requestProblem: RequestProblem | null = null,
): Promise<JsonlRecord[] | NotJsonlError> {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  const records: JsonlRecord[] = [];
  try {
    for await (const record of checkLooksLikeJsonl(readJsonlLines([bytes]), requestProblem))
      records.push(record);
    return records;
  } catch (error) {
    if (error instanceof NotJsonlError) return error;
    throw error;
  }
}

const valid = (i: number): string => JSON.stringify({ prompt: `p${i}` });

describe('checkLooksLikeJsonl', () => {
  it('refuses plain text, binary and NUL-filled files before yielding a line', async () => {
    const text = await check('hello world\nthis is a text file\n'.repeat(200));
    expect(text).toBeInstanceOf(NotJsonlError);
    expect((text as Error).message).toBe(
      'the input is not JSONL: 100 of its first 100 lines are not JSON (binary or plain text; lines 1, 2, 3, …). Expected one JSON object per line, UTF-8, optionally gzip-compressed',
    );
    const binary = new Uint8Array(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 256));
    expect(await check(binary)).toBeInstanceOf(NotJsonlError);
    expect(await check('\u0000\u0000\n\u0000{}\n\u0000\n')).toBeInstanceOf(NotJsonlError);
  });

  it('passes a JSONL file with typos, bad objects and a few non-JSON lines through, every record in order', async () => {
    const lines = [valid(1), '{"broken": ', 'not json', '[1]', valid(5), '"s"', valid(7)];
    const records = await check(`${lines.join('\n')}\n`);
    expect(records).not.toBeInstanceOf(NotJsonlError);
    expect((records as JsonlRecord[]).map((r) => r.lineNumber)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('judges only the start: a file whose bad lines come after the window runs', async () => {
    const body = `${Array.from({ length: 100 }, (_, i) => valid(i)).join('\n')}\n${'junk\n'.repeat(500)}`;
    expect(await check(body)).toHaveLength(600);
  });

  it('leaves files of fewer than three judged lines to line errors', async () => {
    expect(await check('junk\nmore junk\n')).toHaveLength(2);
    // A line too large to read is not judged at all.
    expect(await check('x'.repeat(100))).toHaveLength(1);
  });

  it('with a request check, refuses a full window of JSON in which no line is a request', async () => {
    const problem: RequestProblem = (record) => (record.text.includes('"prompt"') ? null : 'no prompt');
    const dataset = `${'{"question":"q","answer":"a"}\n'.repeat(150)}`;
    const refused = await check(dataset, problem);
    expect(refused).toBeInstanceOf(NotJsonlError);
    expect((refused as NotJsonlError).reason).toBe('no_requests');
    expect((refused as Error).message).toMatch(
      /^none of the first 100 lines is a request thinkbatch can run \(no prompt\)/,
    );
    // One runnable line in the window, or a window not full, and the file runs.
    expect(await check(`${valid(0)}\n${dataset}`, problem)).toHaveLength(151);
    expect(await check('{"question":"q"}\n'.repeat(99), problem)).toHaveLength(99);
  });

  it('closes its source when it refuses the file', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (let i = 0; i < 10_000; i += 1) yield encoder.encode('plain text line\n');
      } finally {
        closed = true;
      }
    }
    const refused = checkLooksLikeJsonl(readJsonlLines(source()));
    await expect(refused.next()).rejects.toBeInstanceOf(NotJsonlError);
    expect(closed).toBe(true);
  });
});
