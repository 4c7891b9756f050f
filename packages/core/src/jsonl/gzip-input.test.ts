import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GzipInputError, gunzipBounded, peekGzip } from './gzip-input';

const text = (lines: number): string =>
  Array.from({ length: lines }, (_, i) => JSON.stringify({ prompt: `p${i}` })).join('\n');

/** `bytes` served in pieces of `size` (1 splits even the magic bytes). */
async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

describe('peekGzip', () => {
  it.each([1, 2, 5, 4096])(
    'tells gzip from text in pieces of %i bytes, and replays every byte',
    async (size) => {
      const plain = Buffer.from(text(50));
      const zipped = gzipSync(plain);
      const asText = await peekGzip(pieces(plain, size));
      expect(asText.gzip).toBe(false);
      expect(await collect(asText.bytes)).toEqual(plain);
      const asGzip = await peekGzip(pieces(zipped, size));
      expect(asGzip.gzip).toBe(true);
      expect(await collect(asGzip.bytes)).toEqual(zipped);
    },
  );

  it('closes the source when its reader stops early', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) yield Buffer.from('{"prompt":"x"}\n');
      } finally {
        closed = true;
      }
    }
    const peeked = await peekGzip(source());
    for await (const _ of peeked.bytes) break;
    expect(closed).toBe(true);
  });

  it('handles sources shorter than the magic', async () => {
    expect((await peekGzip(pieces(new Uint8Array(0), 1))).gzip).toBe(false);
    const one = await peekGzip(pieces(new Uint8Array([0x1f]), 1));
    expect(one.gzip).toBe(false);
    expect([...(await collect(one.bytes))]).toEqual([0x1f]);
  });
});

describe('gunzipBounded', () => {
  it('decompresses streaming, concatenated members included', async () => {
    const zipped = Buffer.concat([gzipSync('{"prompt":"a"}\n'), gzipSync('{"prompt":"b"}\n')]);
    const out = await collect(gunzipBounded(pieces(zipped, 3), 1_000).bytes);
    expect(out.toString()).toBe('{"prompt":"a"}\n{"prompt":"b"}\n');
  });

  it('stops a gzip bomb at the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024)); // 50 MiB of zeros in about 50 KB
    expect(bomb.length).toBeLessThan(100_000);
    const gunzipping = gunzipBounded(pieces(bomb, 4096), 1024 * 1024);
    await expect(collect(gunzipping.bytes)).rejects.toThrow(/decompresses to more than 1048576 bytes/);
    expect(gunzipping.failure()).toMatchObject({ reason: 'too_large' });
  });

  it.each([
    ['truncated', (z: Buffer) => z.subarray(0, z.length - 10)],
    ['corrupt', (z: Buffer) => Buffer.concat([z.subarray(0, 12), Buffer.alloc(40, 0xab), z.subarray(52)])],
  ])('refuses %s data with a GzipInputError', async (_name, damage) => {
    const gunzipping = gunzipBounded(pieces(damage(gzipSync(text(200))), 64), 1_000_000);
    const error = await collect(gunzipping.bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GzipInputError);
    expect((error as GzipInputError).message).toMatch(/starts like gzip but cannot be decompressed/);
    expect(gunzipping.failure()).toBe(error);
  });
});
