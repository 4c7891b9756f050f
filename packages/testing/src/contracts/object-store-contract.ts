import { createHash } from 'node:crypto';
import type { ObjectStore } from '@thinkbatch/core';
import { ErrorCode, ObjectStoreError } from '@thinkbatch/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeObjectStoreComposeContract } from './object-store-compose-contract';
import { expectRejection } from './rejections';

/** A fresh store for one test, and how to clean up after it. */
export interface ObjectStoreContractSubject {
  readonly store: ObjectStore;
  readonly cleanup?: () => Promise<void>;
}

const MiB = 1024 * 1024;
const text = (bytes: Uint8Array | null): string | null =>
  bytes === null ? null : new TextDecoder().decode(bytes);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Deterministic, non-repeating-looking bytes (so a misplaced part shows up). */
function pattern(size: number, seed = 7): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) bytes[i] = (i * 31 + (i >>> 9) * seed + (i >>> 17)) & 0xff;
  return bytes;
}

async function* pieces(bytes: Uint8Array, pieceSize: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += pieceSize)
    yield bytes.slice(offset, offset + pieceSize);
}

async function collect<T>(items: AsyncIterable<T> | null): Promise<T[]> {
  if (items === null) throw new Error('expected a stream, got null');
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function expectPreconditionFailed(promise: Promise<unknown>): Promise<void> {
  await expectRejection(promise, ObjectStoreError, ErrorCode.preconditionFailed);
}

/**
 * The ObjectStore contract: every implementation (in-memory fake, S3 adapter on an emulator) must pass it.
 * `makeStore` is called once per test and must return an empty store.
 */
export function describeObjectStoreContract(
  name: string,
  makeStore: () => Promise<ObjectStoreContractSubject>,
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let subject: ObjectStoreContractSubject | undefined;
    const store = (): ObjectStore => {
      if (subject === undefined) throw new Error('makeStore did not run');
      return subject.store;
    };
    beforeEach(async () => {
      subject = await makeStore();
    });
    afterEach(async () => {
      await subject?.cleanup?.();
      subject = undefined;
    });

    it('names its bucket', () => {
      expect(store().bucket).toMatch(/^.+$/);
    });

    it('reads a missing object as null (head, get, ranged get, stream)', async () => {
      expect(await store().head('missing/key')).toBeNull();
      expect(await store().get('missing/key')).toBeNull();
      expect(await store().get('missing/key', { range: { start: 0, end: 4 } })).toBeNull();
      expect(await store().stream('missing/key')).toBeNull();
    });

    it('round-trips a string body with metadata (keys lower-cased) and reports its size and etag', async () => {
      await store().put('a/b.txt', 'héllo wörld', {
        contentType: 'text/plain',
        metadata: { 'Job-Id': 'j1', mode: 'x' },
      });
      const info = await store().head('a/b.txt');
      expect(info).toEqual({
        size: 13,
        etag: expect.stringMatching(/.+/),
        metadata: { 'job-id': 'j1', mode: 'x' },
      });
      expect(text(await store().get('a/b.txt'))).toBe('héllo wörld');
    });

    it('round-trips every byte value exactly, and an empty object', async () => {
      const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) & 0xff);
      await store().put('bin', bytes);
      expect(Array.from((await store().get('bin')) ?? [])).toEqual(Array.from(bytes));
      await store().put('empty', new Uint8Array(0));
      expect(await store().head('empty')).toMatchObject({ size: 0, metadata: {} });
      expect((await store().get('empty'))?.byteLength).toBe(0);
    });

    it('overwrites: new size, new etag, new metadata', async () => {
      await store().put('k', 'first', { metadata: { v: '1' } });
      const before = await store().head('k');
      await store().put('k', 'second body');
      const after = await store().head('k');
      expect(after?.size).toBe(11);
      expect(after?.etag).not.toBe(before?.etag);
      expect(after?.metadata).toEqual({});
      expect(text(await store().get('k'))).toBe('second body');
    });

    it('reads byte ranges: end exclusive, clipped at the end, empty when empty or past the end', async () => {
      await store().put('r', '0123456789');
      const range = async (start: number, end: number): Promise<string | null> =>
        text(await store().get('r', { range: { start, end } }));
      expect(await range(2, 5)).toBe('234');
      expect(await range(0, 10)).toBe('0123456789');
      expect(await range(9, 10)).toBe('9');
      expect(await range(7, 100)).toBe('789');
      expect(await range(4, 4)).toBe('');
      expect(await range(10, 20)).toBe('');
      expect(await range(50, 60)).toBe('');
    });

    it('pins the version with ifMatch: the current etag reads, a stale one throws precondition_failed', async () => {
      await store().put('v', 'version one');
      const stale = (await store().head('v'))?.etag ?? '';
      expect(text(await store().get('v', { ifMatch: stale }))).toBe('version one');
      expect(text(await store().get('v', { ifMatch: stale, range: { start: 8, end: 11 } }))).toBe('one');
      await store().put('v', 'version two');
      const current = (await store().head('v'))?.etag ?? '';
      await expectPreconditionFailed(store().get('v', { ifMatch: stale }));
      await expectPreconditionFailed(store().get('v', { ifMatch: stale, range: { start: 0, end: 3 } }));
      await expectPreconditionFailed(store().stream('v', { ifMatch: stale }));
      expect(text(await store().get('v', { ifMatch: current }))).toBe('version two');
      const chunks = await collect(await store().stream('v', { ifMatch: current }));
      expect(text(Buffer.concat(chunks))).toBe('version two');
    });

    it('streams a large object in many chunks that concatenate to the object', async () => {
      const bytes = pattern(3 * MiB + 123);
      await store().put('large', bytes);
      const stream = await store().stream('large');
      expect(stream).not.toBeNull();
      let count = 0;
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of stream ?? []) {
        expect(chunk).toBeInstanceOf(Uint8Array);
        count += 1;
        size += chunk.byteLength;
        hash.update(chunk);
      }
      expect(count).toBeGreaterThan(1);
      expect(size).toBe(bytes.byteLength);
      expect(hash.digest('hex')).toBe(sha256(bytes));
    });

    it('stops a stream early without harm', async () => {
      await store().put('early', pattern(2 * MiB));
      for await (const chunk of (await store().stream('early')) ?? []) {
        expect(chunk.byteLength).toBeGreaterThan(0);
        break;
      }
      expect((await store().head('early'))?.size).toBe(2 * MiB);
    });

    it('uploads a stream larger than one multipart part, with metadata', async () => {
      const bytes = pattern(20 * MiB + 5, 11);
      await store().putStream('multi/part.bin', pieces(bytes, MiB + 7), { metadata: { kind: 'multipart' } });
      const info = await store().head('multi/part.bin');
      expect(info?.size).toBe(bytes.byteLength);
      expect(info?.metadata).toEqual({ kind: 'multipart' });
      const boundary = 8 * MiB;
      const across = await store().get('multi/part.bin', {
        range: { start: boundary - 10, end: boundary + 10 },
      });
      expect(Array.from(across ?? [])).toEqual(Array.from(bytes.slice(boundary - 10, boundary + 10)));
      expect(sha256((await store().get('multi/part.bin')) ?? new Uint8Array(0))).toBe(sha256(bytes));
    });

    it('uploads small and empty streams', async () => {
      await store().putStream('small', pieces(new TextEncoder().encode('a,b\nc,d\n'), 3), {
        contentType: 'text/csv',
      });
      expect(text(await store().get('small'))).toBe('a,b\nc,d\n');
      await store().putStream('nothing', pieces(new Uint8Array(0), 1));
      expect((await store().head('nothing'))?.size).toBe(0);
    });

    it('lists keys under a prefix in lexicographic order, across pages of more than 1000 keys', async () => {
      const keys = Array.from(
        { length: 1010 },
        (_, i) => `many/${String((i * 7919) % 1010).padStart(4, '0')}`,
      );
      const others = ['manyx/1', 'man', 'other/many/1', 'many'];
      const all = [...keys, ...others];
      for (let offset = 0; offset < all.length; offset += 50) {
        await Promise.all(all.slice(offset, offset + 50).map((key) => store().put(key, key)));
      }
      const listed = await collect(store().list('many/'));
      expect(listed).toEqual([...keys].sort());
      expect(await collect(store().list('many'))).toEqual([...keys, 'many', 'manyx/1'].sort());
      expect(await collect(store().list('nothing/'))).toEqual([]);

      await store().delete(keys);
      expect(await collect(store().list('many/'))).toEqual([]);
      expect((await collect(store().list(''))).sort()).toEqual([...others].sort());
    });

    it('deletes keys, ignoring missing ones and an empty list', async () => {
      await store().put('d/1', '1');
      await store().put('d/2', '2');
      await store().delete([]);
      await store().delete(['d/1', 'd/missing']);
      expect(await store().head('d/1')).toBeNull();
      expect(await store().get('d/1')).toBeNull();
      expect(text(await store().get('d/2'))).toBe('2');
      expect(await collect(store().list('d/'))).toEqual(['d/2']);
    });

    describeObjectStoreComposeContract(store);
  });
}
