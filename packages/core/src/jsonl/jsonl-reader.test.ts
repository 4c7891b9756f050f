import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors/thinkbatch-error';
import {
  DEFAULT_MAX_LINE_BYTES,
  type JsonlRecord,
  type ReadJsonlLinesOptions,
  readJsonlLines,
} from './jsonl-reader';

const encoder = new TextEncoder();

async function read(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options?: ReadJsonlLinesOptions,
): Promise<JsonlRecord[]> {
  const records: JsonlRecord[] = [];
  for await (const record of readJsonlLines(source, options)) records.push(record);
  return records;
}

/** Every split of `text` into chunks of `size` bytes, as one array of chunks. */
function chunked(bytes: Uint8Array | string, size: number): Uint8Array[] {
  const all = typeof bytes === 'string' ? encoder.encode(bytes) : bytes;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < all.length; i += size) chunks.push(all.slice(i, i + size));
  return chunks;
}

function line(lineNumber: number, byteStart: number, byteEnd: number, text: string): JsonlRecord {
  return { kind: 'line', lineNumber, byteStart, byteEnd, text };
}

/** Read `input` whole and in 1, 2 and 3-byte chunks; all must agree. */
async function readAllWays(
  input: Uint8Array | string,
  options?: ReadJsonlLinesOptions,
): Promise<JsonlRecord[]> {
  const whole = await read(chunked(input, Number.MAX_SAFE_INTEGER), options);
  for (const size of [1, 2, 3]) expect(await read(chunked(input, size), options)).toEqual(whole);
  return whole;
}

describe('readJsonlLines', () => {
  it('yields nothing for empty input, blank-only input or a lone BOM', async () => {
    expect(await read([])).toEqual([]);
    expect(await read([new Uint8Array(0)])).toEqual([]);
    expect(await readAllWays('\n\n \t\r\n')).toEqual([]);
    expect(await readAllWays(new Uint8Array([0xef, 0xbb, 0xbf]))).toEqual([]);
  });

  it('reads LF lines with and without a final newline', async () => {
    expect(await readAllWays('{"a":1}\n{"b":2}\n')).toEqual([
      line(1, 0, 7, '{"a":1}'),
      line(2, 8, 15, '{"b":2}'),
    ]);
    expect(await readAllWays('{"a":1}\n{"b":2}')).toEqual([
      line(1, 0, 7, '{"a":1}'),
      line(2, 8, 15, '{"b":2}'),
    ]);
  });

  it('excludes CR of CRLF from the content, also when an unterminated last line ends in CR', async () => {
    expect(await readAllWays('ab\r\ncd\r\nef\r')).toEqual([
      line(1, 0, 2, 'ab'),
      line(2, 4, 6, 'cd'),
      line(3, 8, 10, 'ef'),
    ]);
  });

  it('keeps a lone CR as content and drops only one CR before LF', async () => {
    expect(await readAllWays('a\rb\nc\r\r\n')).toEqual([line(1, 0, 3, 'a\rb'), line(2, 4, 6, 'c\r')]);
  });

  it('skips blank and whitespace-only lines but counts them', async () => {
    const input = 'x\n\n  \t\n\r\n \r\ny\n\n';
    expect(await readAllWays(input)).toEqual([line(1, 0, 1, 'x'), line(6, 12, 13, 'y')]);
  });

  it('treats only JSON whitespace as blank', async () => {
    expect(await readAllWays('\u00a0\n\f\n')).toEqual([line(1, 0, 2, '\u00a0'), line(2, 3, 4, '\f')]);
  });

  it('skips a leading BOM, even split over chunks, and starts line 1 at byte 3', async () => {
    const input = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('{}\n[]')]);
    expect(await readAllWays(input)).toEqual([line(1, 3, 5, '{}'), line(2, 6, 8, '[]')]);
    const firstChunkShort = [input.slice(0, 1), input.slice(1, 2), input.slice(2)];
    expect(await read(firstChunkShort)).toEqual([line(1, 3, 5, '{}'), line(2, 6, 8, '[]')]);
  });

  it('keeps U+FEFF as text anywhere but at offset 0', async () => {
    expect(await readAllWays('a\n\ufeffb')).toEqual([line(1, 0, 1, 'a'), line(2, 2, 6, '\ufeffb')]);
    expect(await readAllWays('\ufeffb', { startByte: 10 })).toEqual([line(1, 10, 14, '\ufeffb')]);
  });

  it('reports a partial BOM as invalid UTF-8', async () => {
    const [record] = await readAllWays(new Uint8Array([0xef, 0xbb]));
    expect(record).toMatchObject({ kind: 'error', lineNumber: 1, byteStart: 0, byteEnd: 2 });
  });

  it('decodes multi-byte characters split over chunks', async () => {
    const text = 'é€😀 — ok';
    expect(await readAllWays(`${text}\n${text}`)).toEqual([line(1, 0, 16, text), line(2, 17, 33, text)]);
  });

  it('reports invalid UTF-8 for that line only and goes on', async () => {
    const input = new Uint8Array([
      ...encoder.encode('ok\n'),
      0x61,
      0xff,
      0x62,
      0x0d,
      0x0a,
      0xc3,
      0x0a,
      0x7b,
      0x7d,
    ]);
    expect(await readAllWays(input)).toEqual([
      line(1, 0, 2, 'ok'),
      {
        kind: 'error',
        lineNumber: 2,
        byteStart: 3,
        byteEnd: 6,
        error: { code: 'invalid_utf8', message: 'line 2 is not valid UTF-8' },
      },
      {
        kind: 'error',
        lineNumber: 3,
        byteStart: 8,
        byteEnd: 9,
        error: { code: 'invalid_utf8', message: 'line 3 is not valid UTF-8' },
      },
      line(4, 10, 12, '{}'),
    ]);
  });

  it('reports a line over maxLineBytes, skips it and goes on', async () => {
    const input = `12345\n123456\r\n1234567\n\n${'x'.repeat(40)}\r\n12`;
    expect(await readAllWays(input, { maxLineBytes: 6 })).toEqual([
      line(1, 0, 5, '12345'),
      line(2, 6, 12, '123456'),
      {
        kind: 'error',
        lineNumber: 3,
        byteStart: 14,
        byteEnd: 21,
        error: { code: 'line_too_large', message: 'line 3 is 7 bytes, over the limit of 6 bytes' },
      },
      {
        kind: 'error',
        lineNumber: 5,
        byteStart: 23,
        byteEnd: 63,
        error: { code: 'line_too_large', message: 'line 5 is 40 bytes, over the limit of 6 bytes' },
      },
      line(6, 65, 67, '12'),
    ]);
  });

  it('counts a whitespace-only line over the limit as blank', async () => {
    expect(await readAllWays(`${' '.repeat(20)}\nab`, { maxLineBytes: 4 })).toEqual([line(2, 21, 23, 'ab')]);
  });

  it('offsets positions by startByte and startLineNumber', async () => {
    const records = await readAllWays('a\n\nb\r\n', { startByte: 1000, startLineNumber: 41 });
    expect(records).toEqual([line(41, 1000, 1001, 'a'), line(43, 1003, 1004, 'b')]);
  });

  it('is correct when the source reuses one buffer for every chunk', async () => {
    const input = encoder.encode('{"long":"line"}\n{"x":1}\n');
    async function* reusing(): AsyncGenerator<Uint8Array> {
      const buffer = new Uint8Array(4);
      for (let i = 0; i < input.length; i += 4) {
        buffer.fill(0);
        buffer.set(input.subarray(i, i + 4));
        yield buffer.subarray(0, Math.min(4, input.length - i));
      }
    }
    expect(await read(reusing())).toEqual([line(1, 0, 15, '{"long":"line"}'), line(2, 16, 23, '{"x":1}')]);
  });

  it('reads Node streams and web ReadableStreams', async () => {
    const expected = [line(1, 0, 2, '{}'), line(2, 3, 5, '[]')];
    expect(await read(Readable.from([Buffer.from('{}\n['), Buffer.from(']')]))).toEqual(expected);
    expect(await read(ReadableStream.from(chunked('{}\n[]', 2)))).toEqual(expected);
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) yield encoder.encode('{}\n');
      } finally {
        closed = true;
      }
    }
    for await (const record of readJsonlLines(source())) {
      expect(record.kind).toBe('line');
      break;
    }
    expect(closed).toBe(true);
  });

  it('rejects unusable options', async () => {
    await expect(read([], { maxLineBytes: 0 })).rejects.toThrow(ConfigurationError);
    await expect(read([], { maxLineBytes: 1.5 })).rejects.toThrow(
      'maxLineBytes must be an integer >= 1, got 1.5',
    );
    await expect(read([], { startByte: -1 })).rejects.toThrow('startByte must be an integer >= 0, got -1');
    await expect(read([], { startLineNumber: 0 })).rejects.toThrow('startLineNumber must be an integer >= 1');
    expect(DEFAULT_MAX_LINE_BYTES).toBe(8 * 1024 * 1024);
  });

  it('skips a 64 MiB line without holding its bytes', async () => {
    const chunkSize = 64 * 1024;
    const chunkCount = 1024;
    // One buffer, yielded again and again, so the source itself allocates nothing.
    const chunk = new Uint8Array(chunkSize).fill(0x78);
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = 0;
    function* source(): Generator<Uint8Array> {
      for (let i = 0; i < chunkCount; i += 1) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
        yield chunk;
      }
      yield encoder.encode('\n{"after":true}\n');
    }
    const records = await read(source(), { maxLineBytes: 1024 * 1024 });
    const lineBytes = chunkSize * chunkCount;
    expect(records).toEqual([
      {
        kind: 'error',
        lineNumber: 1,
        byteStart: 0,
        byteEnd: lineBytes,
        error: {
          code: 'line_too_large',
          message: `line 1 is ${lineBytes} bytes, over the limit of 1048576 bytes`,
        },
      },
      line(2, lineBytes + 1, lineBytes + 15, '{"after":true}'),
    ]);
    // Holding the line would pin 64 MiB; the reader may hold maxLineBytes (1 MiB) plus a chunk before it gives up.
    expect(peak).toBeLessThan(16 * 1024 * 1024);
  });
});
