/**
 * fauxqs on a data directory (as the embedded runtime runs it) holds object bodies in SQLite only: a
 * ranged GET reads its range, a multipart upload is assembled there — neither costs copies of the whole
 * object in this process's memory, which grew with the job (the input's ranged reads, the outputs'
 * uploads: BENCHMARKS.md, `scale-memory-notes`). Both through the real SDK over HTTP.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsClients, createAwsClients } from './aws-clients';
import { ensureBucket } from './provision';
import { type Emulators, startEmulators } from './start-emulators';

const MiB = 1024 * 1024;
const BUCKET = 'large-objects';
const OBJECT_SIZE = 40 * MiB + 12_345;

/** Byte `i` of the test objects: a pattern no two neighbouring ranges share. */
const byteAt = (i: number): number => (i * 31 + (i >> 13)) & 0xff;
const patterned = (size: number): Buffer =>
  Buffer.from(Uint8Array.from({ length: size }, (_, i) => byteAt(i)));

/** Peak growth of `arrayBuffers` over the baseline while `work` runs, sampled every millisecond. */
async function peakArrayBuffersGrowth(work: () => Promise<void>): Promise<number> {
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return peak - base;
}

/** Garbage collections while `work` runs: a request that allocates a large object forces them. */
async function garbageCollectionsDuring(work: () => Promise<void>): Promise<number> {
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    await work();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    observer.disconnect();
  }
  return collections;
}

/** A full garbage collection (`gc` exposed for this call only). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const bodyOf = async (s3: S3Client, key: string, range?: string): Promise<Buffer> => {
  const got = await s3.send(
    new GetObjectCommand({ Bucket: BUCKET, Key: key, ...(range && { Range: range }) }),
  );
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
};

describe('fauxqs with a data directory: large objects stay out of memory', () => {
  let dir: string;
  let emulators: Emulators;
  let clients: AwsClients;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'large-objects-'));
    emulators = await startEmulators({ dataDir: dir });
    clients = createAwsClients(emulators);
    await ensureBucket(clients.s3, BUCKET);
  });
  afterAll(async () => {
    clients.destroy();
    await emulators.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('assembles a multipart upload in SQLite: the whole object, in part order, its parts never held', async () => {
    const size = OBJECT_SIZE;
    const body = patterned(size);
    const partSize = 8 * MiB;
    const { UploadId } = await clients.s3.send(
      new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'results.jsonl' }),
    );
    collectGarbage();
    const before = process.memoryUsage().arrayBuffers;
    const parts: { PartNumber: number; ETag: string }[] = [];
    for (let start = 0, number = 1; start < size; start += partSize, number++) {
      const part = await clients.s3.send(
        new UploadPartCommand({
          Bucket: BUCKET,
          Key: 'results.jsonl',
          UploadId,
          PartNumber: number,
          Body: body.subarray(start, start + partSize),
        }),
      );
      parts.push({ PartNumber: number, ETag: part.ETag ?? '' });
    }
    collectGarbage();
    // Five parts uploaded, not completed: the emulator used to hold all of them (40 MiB) until completion.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * MiB);
    const growth = await peakArrayBuffersGrowth(async () => {
      await clients.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'results.jsonl',
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    });
    // ... and concatenated them into one more copy of the object on completion.
    expect(growth).toBeLessThan(8 * MiB);
    const stored = await bodyOf(clients.s3, 'results.jsonl');
    expect(stored.length).toBe(size);
    expect(stored.equals(body)).toBe(true);
    const middle = await bodyOf(clients.s3, 'results.jsonl', `bytes=${16 * MiB - 3}-${16 * MiB + 2}`);
    expect(middle.equals(body.subarray(16 * MiB - 3, 16 * MiB + 3))).toBe(true);
  }, 120_000);

  it('answers ranged GETs with exactly their bytes, without loading the object', async () => {
    // The object of the test above (one PUT takes at most 11 MiB: a large input is uploaded in parts).
    const size = OBJECT_SIZE;
    const ranges = [
      [0, 99],
      [size - 100, size - 1],
      [13 * MiB + 7, 13 * MiB + 4096],
    ] as const;
    collectGarbage();
    const collections = await garbageCollectionsDuring(async () => {
      for (let round = 0; round < 4; round++)
        for (const [start, end] of ranges) {
          const bytes = await bodyOf(clients.s3, 'results.jsonl', `bytes=${start}-${end}`);
          expect(bytes.length).toBe(end - start + 1);
          expect([...bytes.subarray(0, 64)]).toEqual(Array.from({ length: 64 }, (_, i) => byteAt(start + i)));
        }
    });
    // Loading the object for each range allocated it twice (SQLite's copy and a Buffer) per request: 12
    // requests of 80 MiB forced 24 collections here; a range's own bytes force hardly any.
    expect(collections).toBeLessThan(8);
    const tail = await bodyOf(clients.s3, 'results.jsonl', 'bytes=-10');
    expect([...tail]).toEqual(Array.from({ length: 10 }, (_, i) => byteAt(size - 10 + i)));
  }, 120_000);

  it('keeps no index of stored objects in memory: heap flat per object, listing from SQLite in key order', async () => {
    const count = 3000;
    const keyOf = (i: number): string => `jobs/j1/lines/${i % 7}/${String(i).padStart(6, '0')}.jsonl`;
    const put = (i: number) =>
      clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(i), Body: '{"line":1}\n' }));
    // Warm up first: the first requests compile code and fill caches that do not grow after.
    for (let i = 0; i < 500; i += 50)
      await Promise.all(Array.from({ length: 50 }, (_, j) => put(count + i + j)));
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => put(i + j)));
    collectGarbage();
    // Held in memory, each object's metadata took about 900 bytes of heap.
    expect((process.memoryUsage().heapUsed - before) / count).toBeLessThan(300);
    const listed: string[] = [];
    let token: string | undefined;
    do {
      const page = await clients.s3.send(
        new ListObjectsV2Command({
          Bucket: BUCKET,
          Prefix: 'jobs/j1/lines/3/',
          MaxKeys: 100,
          ContinuationToken: token,
        }),
      );
      listed.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token !== undefined);
    const expected = Array.from({ length: count + 500 }, (_, i) => keyOf(i)).filter((key) =>
      key.startsWith('jobs/j1/lines/3/'),
    );
    expect(listed).toEqual(expected.sort());
  }, 120_000);
});
