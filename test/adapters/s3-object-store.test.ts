import { createS3ObjectStore } from '@thinkbatch/aws-adapters';
import { ObjectStoreError } from '@thinkbatch/core';
import { createAwsClients, ensureBucket, startEmulators } from '@thinkbatch/local';
import { describeObjectStoreContract } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { useEmulators } from '../fixtures/emulators';

const local = useEmulators();
let buckets = 0;

describeObjectStoreContract('S3 adapter on fauxqs', async () => {
  buckets += 1;
  const bucket = `contract-${buckets}-${Date.now().toString(36)}`;
  await ensureBucket(local.clients.s3, bucket);
  const store = createS3ObjectStore({ s3: local.clients.s3, bucket });
  return {
    store,
    cleanup: async () => {
      const keys: string[] = [];
      for await (const key of store.list('')) keys.push(key);
      await store.delete(keys);
    },
  };
});

describe('S3 adapter errors', () => {
  it('throws ObjectStoreError (not null) when the bucket does not exist on GET, with the SDK error as cause', async () => {
    const store = createS3ObjectStore({ s3: local.clients.s3, bucket: 'no-such-bucket' });
    const error = await store.get('key').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ObjectStoreError);
    expect((error as ObjectStoreError).code).toBe('unknown');
    expect(String(error)).toMatch(/NoSuchBucket/);
    expect((error as ObjectStoreError).cause).toBeInstanceOf(Error);
    await expect(store.put('key', 'x')).rejects.toThrow(ObjectStoreError);
  });

  it('reports an unreachable endpoint as unavailable', async () => {
    const gone = await startEmulators();
    await gone.stop();
    const offline = createAwsClients({ ...gone, s3Endpoint: gone.s3Endpoint });
    const store = createS3ObjectStore({ s3: offline.s3, bucket: 'b' });
    const error = await store.head('key').catch((reason: unknown) => reason);
    offline.destroy();
    expect(error).toBeInstanceOf(ObjectStoreError);
    expect((error as ObjectStoreError).code).toBe('unavailable');
  });

  it('rejects an inverted byte range as a bug', async () => {
    const store = createS3ObjectStore({ s3: local.clients.s3, bucket: 'whatever' });
    await expect(store.get('k', { range: { start: 5, end: 2 } })).rejects.toThrow(ObjectStoreError);
  });
});

describe('S3 adapter presigned requests on fauxqs', () => {
  it('uploads through a presigned PUT with its signed headers, and downloads through a presigned GET', async () => {
    const bucket = `presign-${Date.now().toString(36)}`;
    await ensureBucket(local.clients.s3, bucket);
    const store = createS3ObjectStore({ s3: local.clients.s3, bucket });
    const body = '{"prompt":"ünïcode"}\n'.repeat(1_000);
    const put = await store.presignPut('inputs/up.jsonl', {
      expiresInSeconds: 300,
      contentType: 'application/x-ndjson',
      metadata: { 'thinkbatch-job-id': 'job-presigned' },
    });
    const uploaded = await fetch(put.url, { method: put.method, headers: put.headers, body });
    expect(uploaded.status).toBe(200);
    const info = await store.head('inputs/up.jsonl');
    expect(info).toMatchObject({
      size: Buffer.byteLength(body),
      metadata: { 'thinkbatch-job-id': 'job-presigned' },
    });

    const get = await store.presignGet('inputs/up.jsonl', { expiresInSeconds: 300 });
    const downloaded = await fetch(get.url, { headers: get.headers });
    expect(downloaded.status).toBe(200);
    expect(await downloaded.text()).toBe(body);
  });
});

describe('S3 adapter compose', () => {
  /** Commands the S3 client sent while `run` ran, by name. */
  async function commandsDuring(run: () => Promise<void>): Promise<string[]> {
    const sent: string[] = [];
    local.clients.s3.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'count-commands' },
    );
    try {
      await run();
    } finally {
      local.clients.s3.middlewareStack.remove('count-commands');
    }
    return sent;
  }

  it('copies sources of 5 MiB and more server-side (UploadPartCopy on fauxqs), small ones through a stream', async () => {
    const bucket = `compose-${Date.now().toString(36)}`;
    await ensureBucket(local.clients.s3, bucket);
    const store = createS3ObjectStore({ s3: local.clients.s3, bucket });
    const big = new Uint8Array(5 * 1024 * 1024).fill(97);
    await store.put('s/0', big);
    await store.put('s/1', big);
    await store.put('s/2', 'tail\n');
    const copied = await commandsDuring(() => store.compose('s/out', ['s/0', 's/1', 's/2']));
    expect(copied.filter((name) => name === 'UploadPartCopyCommand')).toHaveLength(3);
    expect(copied).not.toContain('GetObjectCommand');
    expect((await store.head('s/out'))?.size).toBe(2 * big.byteLength + 5);

    await store.put('s/small', 'x\n');
    const streamed = await commandsDuring(() => store.compose('s/out2', ['s/small', 's/0']));
    expect(streamed).not.toContain('UploadPartCopyCommand');
    expect((await store.head('s/out2'))?.size).toBe(big.byteLength + 2);
  });
});
