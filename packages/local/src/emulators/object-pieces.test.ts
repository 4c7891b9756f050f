/**
 * fauxqs on a data directory keeps a large body in pieces (patches/fauxqs@2.4.1.patch): a ranged GET
 * costs what its range costs, whatever the object's size — SQLite loaded the whole BLOB for each range
 * before, so every chunk's read of a job's input slowed with the input (BENCHMARKS.md, `scale-1m-notes`)
 * — and a whole GET streams the pieces instead of holding the body. Through the real SDK over HTTP.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsClients, createAwsClients } from './aws-clients';
import { ensureBucket } from './provision';
import { type Emulators, startEmulators } from './start-emulators';

const MiB = 1024 * 1024;
const BUCKET = 'object-pieces';

const byteAt = (i: number): number => (i * 131 + (i >> 11)) & 0xff;
const patterned = (size: number): Buffer =>
  Buffer.from(Uint8Array.from({ length: size }, (_, i) => byteAt(i)));

/** A full garbage collection (`gc` exposed for this call only). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

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

async function bodyOf(s3: S3Client, key: string, range?: string): Promise<Buffer> {
  const got = await s3.send(
    new GetObjectCommand({ Bucket: BUCKET, Key: key, ...(range && { Range: range }) }),
  );
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

/** Upload `body` in parts of `partSize` (as the SDK's `Upload` stores a large input). */
async function putInParts(s3: S3Client, key: string, body: Buffer, partSize: number): Promise<void> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
  const parts: { PartNumber: number; ETag: string }[] = [];
  for (let start = 0, number = 1; start < body.length; start += partSize, number++) {
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        PartNumber: number,
        Body: body.subarray(start, start + partSize),
      }),
    );
    parts.push({ PartNumber: number, ETag: part.ETag ?? '' });
  }
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

/** CPU milliseconds (this process: the emulator runs in it) per ranged GET of 2 KB, median of rounds. */
async function cpuPerRangedRead(s3: S3Client, key: string, size: number): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < 8; i++) {
      const start = Math.floor(((i * 7 + round) / 57) * (size - 4096));
      await bodyOf(s3, key, `bytes=${start}-${start + 2047}`);
    }
    const used = process.cpuUsage(cpu);
    rounds.push((used.user + used.system) / 1000 / 8);
  }
  return rounds.sort((a, b) => a - b)[2] ?? Number.NaN;
}

describe('fauxqs with a data directory: large bodies in pieces', () => {
  let dir: string;
  let emulators: Emulators;
  let clients: AwsClients;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'object-pieces-'));
    emulators = await startEmulators({ dataDir: dir });
    clients = createAwsClients(emulators);
    await ensureBucket(clients.s3, BUCKET);
  });
  afterAll(async () => {
    clients.destroy();
    await emulators.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers a ranged GET of a large object at the cost of a small one', async () => {
    const small = patterned(256 * 1024);
    const large = patterned(48 * MiB + 777);
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'small.jsonl', Body: small }));
    await putInParts(clients.s3, 'large.jsonl', large, 8 * MiB);
    await cpuPerRangedRead(clients.s3, 'small.jsonl', small.length); // warm-up
    const smallCost = await cpuPerRangedRead(clients.s3, 'small.jsonl', small.length);
    const largeCost = await cpuPerRangedRead(clients.s3, 'large.jsonl', large.length);
    // Loading the whole BLOB per range cost ~50 ms of CPU per read of 48 MiB, ~40× a small object's.
    expect(largeCost).toBeLessThan(Math.max(4 * smallCost, 3));
    for (const [start, end] of [
      [0, 0],
      [64 * 1024 - 2, 64 * 1024 + 1],
      [8 * MiB - 5, 8 * MiB + 70_000],
      [large.length - 3, large.length - 1],
    ] as const) {
      const bytes = await bodyOf(clients.s3, 'large.jsonl', `bytes=${start}-${end}`);
      expect(bytes.equals(large.subarray(start, end + 1))).toBe(true);
    }
  }, 240_000);

  it('streams a whole GET of a large object piece by piece, bytes in order', async () => {
    const body = patterned(48 * MiB + 5);
    await putInParts(clients.s3, 'results.jsonl', body, 8 * MiB);
    let offset = 0;
    collectGarbage();
    const growth = await peakArrayBuffersGrowth(async () => {
      const got = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'results.jsonl' }));
      expect(got.ContentLength).toBe(body.length);
      let collectedAt = 0;
      for await (const piece of got.Body as AsyncIterable<Uint8Array>) {
        expect(Buffer.from(piece).equals(body.subarray(offset, offset + piece.length))).toBe(true);
        offset += piece.length;
        // Pieces already sent are garbage: collected as we go, what stays is what the emulator holds.
        if (offset - collectedAt >= 2 * MiB) {
          collectGarbage();
          collectedAt = offset;
        }
      }
    });
    expect(offset).toBe(body.length);
    // Read whole, the body was one 48 MiB buffer in the emulator (the end-of-job download of results.jsonl);
    // streamed, what is in flight at once (pieces, socket buffers: 12–18 MiB under load 15) stays below.
    expect(growth).toBeLessThan(24 * MiB);
  }, 240_000);

  it('keeps every S3 semantic of a pieced body: put over it, copy, delete', async () => {
    const large = patterned(3 * MiB + 11);
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'over.bin', Body: large }));
    await clients.s3.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy.bin', CopySource: `${BUCKET}/over.bin` }),
    );
    expect((await bodyOf(clients.s3, 'copy.bin')).equals(large)).toBe(true);
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'over.bin', Body: 'small now' }));
    expect((await bodyOf(clients.s3, 'over.bin')).toString()).toBe('small now');
    expect((await bodyOf(clients.s3, 'over.bin', 'bytes=6-8')).toString()).toBe('now');
    const larger = patterned(5 * MiB);
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'over.bin', Body: larger }));
    expect((await bodyOf(clients.s3, 'over.bin')).equals(larger)).toBe(true);
    await clients.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'copy.bin' }));
    await expect(bodyOf(clients.s3, 'copy.bin')).rejects.toThrow(/NoSuchKey|not exist/);
    await clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy.bin', Body: 'fresh' }));
    expect((await bodyOf(clients.s3, 'copy.bin')).toString()).toBe('fresh');
  }, 240_000);
});
