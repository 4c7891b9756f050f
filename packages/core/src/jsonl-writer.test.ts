import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors';
import { type JsonlRecord, readJsonlLines } from './jsonl-reader';
import {
  DEFAULT_JSONL_CHUNK_BYTES,
  type JsonlEncodeOptions,
  jsonlEncode,
  NotJsonError,
} from './jsonl-writer';

async function encodeAll(values: AsyncIterable<unknown> | Iterable<unknown>, options?: JsonlEncodeOptions) {
  const chunks: Uint8Array[] = [];
  for await (const chunk of jsonlEncode(values, options)) chunks.push(chunk);
  return chunks;
}

function joined(chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(chunks.flatMap((chunk) => [...chunk]));
}

async function readBack(chunks: Uint8Array[]): Promise<JsonlRecord[]> {
  const records: JsonlRecord[] = [];
  for await (const record of readJsonlLines(chunks)) records.push(record);
  return records;
}

const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('jsonlEncode', () => {
  it('yields nothing for no values', async () => {
    expect(await encodeAll([])).toEqual([]);
  });

  it('writes one JSON document per line, from sync or async iterables', async () => {
    const expected = '{"a":1}\n[1,"x"]\nnull\n"s"\n';
    expect(decode(joined(await encodeAll([{ a: 1 }, [1, 'x'], null, 's'])))).toBe(expected);
    async function* values(): AsyncGenerator<unknown> {
      yield { a: 1 };
      yield [1, 'x'];
      yield null;
      yield 's';
    }
    expect(decode(joined(await encodeAll(values())))).toBe(expected);
  });

  it('never writes a raw line break, and the values parse back', async () => {
    const tricky = ['a\nb', 'c\r\nd', 'e\u2028f\u2029g', 'h\u0085i', { 'k\ny': '\u2028' }];
    const output = decode(joined(await encodeAll(tricky)));
    expect(output).toBe('"a\\nb"\n"c\\r\\nd"\n"e\\u2028f\\u2029g"\n"h\\u0085i"\n{"k\\ny":"\\u2028"}\n');
    expect(output).not.toMatch(/[\r\u0085\u2028\u2029]/);
    expect(
      output
        .split('\n')
        .slice(0, -1)
        .map((line) => JSON.parse(line)),
    ).toEqual(tricky);
  });

  it('batches lines into chunks of at most chunkBytes, each ending a line', async () => {
    const values = Array.from({ length: 100 }, (_, i) => ({ i, text: 'é'.repeat(i % 7) }));
    const chunks = await encodeAll(values, { chunkBytes: 100 });
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(100);
      expect(chunk.at(-1)).toBe(0x0a);
    }
    // Filled: two neighbouring chunks could not have been one.
    for (let i = 1; i < chunks.length; i += 1) {
      const first = decode(chunks[i] ?? new Uint8Array()).split('\n')[0] ?? '';
      expect((chunks[i - 1]?.length ?? 0) + new TextEncoder().encode(first).length + 1).toBeGreaterThan(100);
    }
    const lines = decode(joined(chunks)).split('\n').slice(0, -1);
    expect(lines.map((line) => JSON.parse(line))).toEqual(values);
  });

  it('gives a line longer than chunkBytes a chunk of its own, in order', async () => {
    const big = 'x'.repeat(300);
    const chunks = await encodeAll([1, big, 2, 3], { chunkBytes: 64 });
    expect(chunks.map(decode)).toEqual(['1\n', `"${big}"\n`, '2\n3\n']);
  });

  it('uses 64 KiB chunks by default and never reuses a yielded buffer', async () => {
    expect(DEFAULT_JSONL_CHUNK_BYTES).toBe(65536);
    const values = Array.from({ length: 5000 }, (_, i) => ({ i, pad: 'p'.repeat(40) }));
    const chunks = await encodeAll(values);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.slice(0, -1).every((chunk) => chunk.length > 65536 - 80 && chunk.length <= 65536)).toBe(
      true,
    );
    expect(new Set(chunks.map((chunk) => chunk.buffer)).size).toBe(chunks.length);
    const records = await readBack(chunks);
    expect(records.map((r) => (r.kind === 'line' ? JSON.parse(r.text) : r))).toEqual(values);
  });

  it('feeds a Node Writable through stream.pipeline', async () => {
    const received: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        received.push(chunk);
        callback();
      },
    });
    await pipeline(jsonlEncode([{ a: 1 }, { b: 2 }], { chunkBytes: 8 }), sink);
    expect(Buffer.concat(received).toString('utf8')).toBe('{"a":1}\n{"b":2}\n');
  });

  it('throws for values with no JSON form and for bad options', async () => {
    await expect(encodeAll([1, undefined])).rejects.toThrow(
      new NotJsonError('value 1 (undefined) has no JSON form'),
    );
    await expect(encodeAll([() => 1])).rejects.toThrow('value 0 (function) has no JSON form');
    await expect(encodeAll([10n])).rejects.toThrow(TypeError);
    await expect(encodeAll([], { chunkBytes: 0 })).rejects.toThrow(ConfigurationError);
    await expect(encodeAll([], { chunkBytes: Number.NaN })).rejects.toThrow(
      'chunkBytes must be an integer >= 1',
    );
  });

  it('round-trips any JSON values through readJsonlLines, whatever the chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue({ stringUnit: 'binary', maxDepth: 3 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 200 }),
        async (values, chunkBytes) => {
          const chunks = await encodeAll(values, { chunkBytes });
          const records = await readBack(chunks);
          expect(records.map((r) => r.lineNumber)).toEqual(values.map((_, i) => i + 1));
          const parsed = records.map((r) => (r.kind === 'line' ? JSON.parse(r.text) : r));
          expect(JSON.stringify(parsed)).toBe(JSON.stringify(values));
          for (const chunk of chunks) {
            expect(chunk.at(-1)).toBe(0x0a);
            // Only a single line may overflow chunkBytes.
            if (chunk.length > chunkBytes) expect(chunk.indexOf(0x0a)).toBe(chunk.length - 1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
