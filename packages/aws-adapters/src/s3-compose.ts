import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type { ObjectInfo, ObjectStore } from '@thinkbatch/core';
import { createLimiter, ObjectStoreError } from '@thinkbatch/core';
import { toObjectStoreError } from './s3-error';

/** S3's smallest part (every part but the last) and its largest. */
export const MIN_COPY_PART_BYTES = 5 * 1024 * 1024;
const MAX_COPY_PART_BYTES = 5 * 1024 * 1024 * 1024;
/** S3's most parts per upload. */
const MAX_PARTS = 10_000;
/** HEAD and UploadPartCopy requests in flight at once. */
const CONCURRENCY = 8;

/** What composing needs of the rest of the S3 store. */
export interface ComposeContext {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly head: ObjectStore['head'];
  readonly stream: ObjectStore['stream'];
  readonly putStream: ObjectStore['putStream'];
  readonly contentParams: (options: Parameters<ObjectStore['compose']>[2]) => {
    ContentType: string;
    Metadata?: Record<string, string>;
  };
}

/**
 * `ObjectStore.compose` on S3: a multipart upload whose parts are UploadPartCopy of the sources (the
 * bytes never leave S3) when every source but the last is a valid part (5 MiB … 5 GiB), else one
 * streamed upload of the sources read in order, the next one's GET started while the current streams.
 */
export async function composeS3Object(
  context: ComposeContext,
  key: string,
  sources: readonly string[],
  options: Parameters<ObjectStore['compose']>[2],
): Promise<void> {
  const limiter = createLimiter(CONCURRENCY);
  const infos = await Promise.all(sources.map((source) => limiter.run(() => context.head(source))));
  const present: { key: string; info: ObjectInfo }[] = [];
  infos.forEach((info, i) => {
    const source = sources[i] ?? '';
    if (info === null)
      throw new ObjectStoreError(`compose ${key}: source ${source} does not exist`, 'precondition_failed');
    if (info.size > 0) present.push({ key: source, info });
  });
  const copyable =
    present.length > 0 &&
    present.length <= MAX_PARTS &&
    present.every(
      ({ info }, i) =>
        info.size <= MAX_COPY_PART_BYTES && (i === present.length - 1 || info.size >= MIN_COPY_PART_BYTES),
    );
  if (!copyable) {
    await context.putStream(key, concatenated(context, present), options);
    return;
  }
  const where = `s3://${context.bucket}/${key}`;
  let uploadId: string | undefined;
  try {
    const created = await context.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: context.bucket,
        Key: key,
        ...context.contentParams(options),
      }),
    );
    uploadId = created.UploadId;
    if (uploadId === undefined) throw new ObjectStoreError(`compose ${where}: no upload id`, 'unknown');
    const id = uploadId;
    const parts = await Promise.all(
      present.map((source, i) =>
        limiter.run(async () => {
          const copied = await context.s3.send(
            new UploadPartCopyCommand({
              Bucket: context.bucket,
              Key: key,
              UploadId: id,
              PartNumber: i + 1,
              CopySource: `${context.bucket}/${encodeURIComponent(source.key)}`,
              CopySourceIfMatch: source.info.etag,
            }),
          );
          return { PartNumber: i + 1, ETag: copied.CopyPartResult?.ETag };
        }),
      ),
    );
    await context.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: context.bucket,
        Key: key,
        UploadId: id,
        MultipartUpload: { Parts: parts },
      }),
    );
  } catch (error) {
    if (uploadId !== undefined) {
      await context.s3
        .send(new AbortMultipartUploadCommand({ Bucket: context.bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
    }
    throw toObjectStoreError(error, `compose ${where}`);
  }
}

async function* concatenated(
  context: ComposeContext,
  sources: readonly { key: string; info: ObjectInfo }[],
): AsyncGenerator<Uint8Array> {
  const open = (i: number) => {
    const source = sources[i];
    return source === undefined ? null : context.stream(source.key, { ifMatch: source.info.etag });
  };
  let next = open(0);
  for (let i = 0; next !== null; i += 1) {
    const body = await next;
    next = open(i + 1);
    if (body === null)
      throw new ObjectStoreError(`compose: source ${sources[i]?.key} vanished`, 'precondition_failed');
    yield* body;
  }
}
