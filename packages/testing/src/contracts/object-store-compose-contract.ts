import { createHash } from 'node:crypto';
import type { ObjectStore } from '@thinkbatch/core';
import { ErrorCode, ObjectStoreError } from '@thinkbatch/core';
import { expect, it } from 'vitest';
import { expectRejection } from './rejections';

const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function filled(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 1) bytes[i] = (i * 13 + seed * 101 + (i >>> 11)) & 0xff;
  return bytes;
}

/** `ObjectStore.compose`: part of the ObjectStore contract. */
export function describeObjectStoreComposeContract(store: () => ObjectStore): void {
  it('composes small sources in order, skipping empty ones, with the content type asked for', async () => {
    await store().put('c/1', 'one\n');
    await store().put('c/empty', '');
    await store().put('c/2', 'two\n');
    await store().compose('c/out', ['c/2', 'c/empty', 'c/1', 'c/2'], { contentType: 'application/x-ndjson' });
    expect(new TextDecoder().decode((await store().get('c/out')) ?? new Uint8Array())).toBe(
      'two\none\ntwo\n',
    );
    await store().compose('c/none', ['c/empty']);
    expect((await store().head('c/none'))?.size).toBe(0);
  });

  it('composes sources of 5 MiB and more into the exact bytes', async () => {
    const parts = [filled(5 * MiB, 1), filled(5 * MiB + 17, 2), filled(1234, 3)];
    await Promise.all(parts.map((part, i) => store().put(`big/${i}`, part)));
    await store().compose('big/out', ['big/0', 'big/1', 'big/2']);
    const out = await store().get('big/out');
    expect(out?.byteLength).toBe(10 * MiB + 17 + 1234);
    expect(sha256(out ?? new Uint8Array())).toBe(sha256(Buffer.concat(parts)));
  });

  it('refuses a missing source (precondition_failed) and writes nothing', async () => {
    await store().put('m/1', 'x');
    await expectRejection(
      store().compose('m/out', ['m/1', 'm/missing']),
      ObjectStoreError,
      ErrorCode.preconditionFailed,
    );
    expect(await store().head('m/out')).toBeNull();
  });
}
