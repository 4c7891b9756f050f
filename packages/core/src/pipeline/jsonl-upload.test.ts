import { createInMemoryObjectStore } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../ports/object-store';
import { startJsonlUpload } from './jsonl-upload';

const text = (bytes: Uint8Array | null): string | null =>
  bytes === null ? null : new TextDecoder().decode(bytes);

/** A store whose uploads take parts only when the test lets them (one part per `allow()`). */
function gatedStore(): { store: ObjectStore; taken: () => number; allow: (parts: number) => void } {
  const inner = createInMemoryObjectStore('gated');
  let taken = 0;
  let allowance = 0;
  let release: (() => void) | null = null;
  const store: ObjectStore = {
    ...inner,
    putStream: async (key, body, options) => {
      const parts: Uint8Array[] = [];
      for await (const part of body) {
        parts.push(part);
        taken += 1;
        while (allowance === 0) await new Promise<void>((resolve) => (release = resolve));
        allowance -= 1;
      }
      await inner.put(key, Buffer.concat(parts), options);
    },
  };
  return {
    store,
    taken: () => taken,
    allow: (n) => {
      allowance += n;
      release?.();
    },
  };
}

const line = (i: number): string => `{"line":${i},"pad":"${'x'.repeat(1000)}"}`;

describe('startJsonlUpload', () => {
  it('stores each line followed by a newline, in parts, once finished', async () => {
    const store = createInMemoryObjectStore('b');
    const upload = startJsonlUpload(store, 'k.jsonl');
    const lines = Array.from({ length: 200 }, (_, i) => line(i));
    for (const l of lines) await upload.writeLine(l);
    await upload.finish();
    expect(text(await store.get('k.jsonl'))).toBe(lines.map((l) => `${l}\n`).join(''));
  });

  it('keeps lines and whole-line bytes in the order they were written', async () => {
    const store = createInMemoryObjectStore('b');
    const upload = startJsonlUpload(store, 'k.jsonl');
    const expected: string[] = [];
    for (let i = 0; i < 300; i += 1) {
      if (i % 3 === 0) {
        const block = `${line(i)}\n${line(-i)}\n`;
        await upload.writeBytes(new TextEncoder().encode(block));
        expected.push(block);
      } else {
        await upload.writeLine(line(i));
        expected.push(`${line(i)}\n`);
      }
    }
    await upload.finish();
    expect(text(await store.get('k.jsonl'))).toBe(expected.join(''));
  });

  it('stores an empty object when no line was written', async () => {
    const store = createInMemoryObjectStore('b');
    const upload = startJsonlUpload(store, 'empty.jsonl');
    await upload.finish();
    expect(text(await store.get('empty.jsonl'))).toBe('');
  });

  it('makes the writer wait while the upload does not take parts (memory stays bounded)', async () => {
    const { store, taken, allow } = gatedStore();
    const upload = startJsonlUpload(store, 'slow.jsonl');
    let written = 0;
    const writing = (async () => {
      for (let i = 0; i < 400; i += 1) {
        await upload.writeLine(line(i));
        written += 1;
      }
    })();
    await new Promise((resolve) => setImmediate(resolve));
    // One part taken and held by the upload, one queued: the writer waits with about three parts written
    // (~64 lines each), far from all 400.
    expect(taken()).toBe(1);
    expect(written).toBeLessThan(300);
    allow(Number.POSITIVE_INFINITY);
    await writing;
    await upload.finish();
    expect(text(await store.get('slow.jsonl'))?.split('\n')).toHaveLength(401);
  });

  it('aborts: the upload fails, nothing is stored', async () => {
    const store = createInMemoryObjectStore('b');
    const upload = startJsonlUpload(store, 'gone.jsonl');
    await upload.writeLine(line(1));
    await upload.abort(new Error('source failed'));
    expect(await store.get('gone.jsonl')).toBeNull();
  });

  it("passes the upload's own failure to the writer", async () => {
    const store: ObjectStore = {
      ...createInMemoryObjectStore('b'),
      putStream: async (_key, body) => {
        for await (const _part of body) throw new Error('S3 said no');
      },
    };
    const upload = startJsonlUpload(store, 'k.jsonl');
    await expect(
      (async () => {
        for (let i = 0; i < 1000; i += 1) await upload.writeLine(line(i));
        await upload.finish();
      })(),
    ).rejects.toThrow('S3 said no');
  });
});
