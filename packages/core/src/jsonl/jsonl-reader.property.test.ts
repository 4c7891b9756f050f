import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLineBytes } from './jsonl-line-bytes';
import { type JsonlRecord, type ReadJsonlLinesOptions, readJsonlLines } from './jsonl-reader';

const encoder = new TextEncoder();
const BOM = [0xef, 0xbb, 0xbf];

async function read(chunks: Uint8Array[], options?: ReadJsonlLinesOptions): Promise<JsonlRecord[]> {
  const records: JsonlRecord[] = [];
  for await (const record of readJsonlLines(chunks, options)) records.push(record);
  return records;
}

/** Cut `bytes` at the given points (any integers, folded into range). */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    chunks.push(bytes.slice(from, to));
    from = to;
  }
  return chunks;
}

const isBlank = (text: string): boolean => /^[ \t\r]*$/.test(text);

/** Line text: any code points, biased towards the ones the reader treats specially; never LF, never a final CR. */
const lineText = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom(' ', '\t', '\r', '\ufeff', 'é', '€', '😀', '\u2028', '{', '"'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
  })
  .map((text) => text.replaceAll('\n', '\\n'))
  .map((text) => (text.endsWith('\r') ? `${text}x` : text));

const document = fc.record({
  lines: fc.array(fc.record({ text: lineText, crlf: fc.boolean() }), { maxLength: 30 }),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 40 }),
});

type Document = typeof document extends fc.Arbitrary<infer T> ? T : never;

function encode({ lines, bom, finalNewline }: Document): Uint8Array {
  const body = lines.map(({ text, crlf }, i) => {
    const last = i === lines.length - 1;
    return text + (last && !finalNewline ? '' : crlf ? '\r\n' : '\n');
  });
  return new Uint8Array([...(bom ? BOM : []), ...encoder.encode(body.join(''))]);
}

describe('readJsonlLines properties', () => {
  it('yields exactly the non-blank lines, numbered, with offsets that slice back to the text', async () => {
    await fc.assert(
      fc.asyncProperty(document, async (doc) => {
        const bytes = encode(doc);
        const records = await read(cut(bytes, doc.cuts));
        const expected = doc.lines
          .map(({ text }, i) => ({
            lineNumber: i + 1,
            text: i === 0 && !doc.bom ? text.replace(/^\ufeff/, '') : text,
          }))
          .filter(({ text }) => !isBlank(text));
        expect(
          records.map((r) => (r.kind === 'line' ? { lineNumber: r.lineNumber, text: r.text } : r)),
        ).toEqual(expected);
        for (const record of records) {
          if (record.kind !== 'line') continue;
          const slice = bytes.subarray(record.byteStart, record.byteEnd);
          expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(slice)).toBe(record.text);
          expect(decodeLineBytes(slice)).toBe(record.text.replace(/^\ufeff/, ''));
        }
      }),
      { numRuns: 300 },
    );
  });

  const bytesBiased = fc.array(
    fc.oneof(
      fc.constantFrom(0x0a, 0x0d, 0x20, 0x09, 0xef, 0xbb, 0xbf, 0xc3, 0xa9, 0xff),
      fc.integer({ min: 0, max: 255 }),
    ),
    { maxLength: 200 },
  );

  it('gives the same records whatever the chunking, for any bytes and limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        bytesBiased,
        fc.array(fc.nat(), { maxLength: 50 }),
        fc.integer({ min: 1, max: 24 }),
        async (raw, cuts, maxLineBytes) => {
          const bytes = new Uint8Array(raw);
          const whole = await read([bytes], { maxLineBytes });
          expect(await read(cut(bytes, cuts), { maxLineBytes })).toEqual(whole);
          const oneByte = cut(
            bytes,
            raw.map((_, i) => i),
          );
          expect(await read(oneByte, { maxLineBytes })).toEqual(whole);
          for (const record of whole) {
            const length = record.byteEnd - record.byteStart;
            if (record.kind === 'error' && record.error.code === 'line_too_large') {
              expect(length).toBeGreaterThan(maxLineBytes);
            } else {
              expect(length).toBeLessThanOrEqual(maxLineBytes);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reading from a line start with startByte/startLineNumber matches the full read from there on', async () => {
    await fc.assert(
      fc.asyncProperty(bytesBiased, fc.nat(), async (raw, pick) => {
        const bytes = new Uint8Array(raw);
        const whole = await read([bytes], { maxLineBytes: 16 });
        const lineStarts = [0, ...raw.flatMap((b, i) => (b === 0x0a ? [i + 1] : []))];
        const index = pick % lineStarts.length;
        const startByte = lineStarts[index] ?? 0;
        if (startByte === 0) return; // offset 0 is where the BOM rule applies; covered above
        const tail = await read([bytes.subarray(startByte)], {
          maxLineBytes: 16,
          startByte,
          startLineNumber: index + 1,
        });
        expect(tail).toEqual(whole.filter((r) => r.byteStart >= startByte));
      }),
      { numRuns: 300 },
    );
  });
});
