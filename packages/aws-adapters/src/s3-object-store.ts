import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  type DeleteObjectsCommandOutput,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ByteRange, ObjectInfo, ObjectStore, PresignedRequest, PutOptions } from '@thinkbatch/core';
import { ObjectStoreError } from '@thinkbatch/core';
import { s3BodyBytes, s3BodyChunks } from './s3-body';
import { composeS3Object } from './s3-compose';
import { isS3InvalidRange, isS3NotFound, toObjectStoreError } from './s3-error';

/** Options of {@link createS3ObjectStore}. */
export interface S3ObjectStoreOptions {
  /** The bucket this store reads and writes. */
  readonly bucket: string;
  /** @default new S3Client({}) (region and credentials from the environment) */
  readonly s3?: S3Client;
  /** Part size of multipart uploads in `putStream`. @default 8 MiB */
  readonly partSize?: number;
  /** Parts uploaded at once by `putStream` (memory ≈ partSize × (queueSize + 1)). @default 2 */
  readonly queueSize?: number;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;

/**
 * An ObjectStore on one S3 bucket. Missing objects read as null; a version mismatch (`ifMatch`) throws
 * `ObjectStoreError('precondition_failed')`; every other SDK failure becomes an `ObjectStoreError` with the
 * SDK error as `cause`.
 */
export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
  const { bucket } = options;
  const s3 = options.s3 ?? new S3Client({});
  const partSize = options.partSize ?? 8 * 1024 * 1024;
  const queueSize = options.queueSize ?? 2;
  const where = (key: string): string => `s3://${bucket}/${key}`;

  /** S3 answers 412 to a stale If-Match; the etag check also covers servers that ignore the header. */
  const checkEtag = (key: string, ifMatch: string | undefined, etag: string | undefined): void => {
    if (ifMatch !== undefined && etag !== undefined && etag !== ifMatch) {
      throw new ObjectStoreError(
        `${where(key)} changed (etag ${etag}, expected ${ifMatch})`,
        'precondition_failed',
      );
    }
  };

  const head = async (key: string): Promise<ObjectInfo | null> => {
    try {
      const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const metadata = Object.fromEntries(
        Object.entries(out.Metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      );
      return { size: out.ContentLength ?? 0, etag: out.ETag ?? '', metadata };
    } catch (error) {
      if (isS3NotFound(error)) return null;
      throw toObjectStoreError(error, `HeadObject ${where(key)}`);
    }
  };

  const get: ObjectStore['get'] = async (key, getOptions) => {
    const range = getOptions?.range;
    const ifMatch = getOptions?.ifMatch;
    if (range !== undefined) checkRange(range);
    if (range !== undefined && range.start === range.end) {
      const info = await head(key);
      if (info === null) return null;
      checkEtag(key, ifMatch, info.etag);
      return new Uint8Array(0);
    }
    try {
      const out = await s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end - 1}` }),
          ...(ifMatch === undefined ? {} : { IfMatch: ifMatch }),
        }),
      );
      checkEtag(key, ifMatch, out.ETag);
      return await s3BodyBytes(out.Body, `GetObject ${where(key)}`);
    } catch (error) {
      if (isS3NotFound(error)) return null;
      if (range !== undefined && isS3InvalidRange(error)) return new Uint8Array(0);
      throw toObjectStoreError(error, `GetObject ${where(key)}`);
    }
  };

  const stream: ObjectStore['stream'] = async (key, streamOptions) => {
    const ifMatch = streamOptions?.ifMatch;
    try {
      const out = await s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(ifMatch === undefined ? {} : { IfMatch: ifMatch }),
        }),
      );
      checkEtag(key, ifMatch, out.ETag);
      return s3BodyChunks(out.Body, `GetObject ${where(key)}`);
    } catch (error) {
      if (isS3NotFound(error)) return null;
      throw toObjectStoreError(error, `GetObject ${where(key)}`);
    }
  };

  const put: ObjectStore['put'] = async (key, body, putOptions) => {
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...putParams(putOptions) }));
    } catch (error) {
      throw toObjectStoreError(error, `PutObject ${where(key)}`);
    }
  };

  const putStream: ObjectStore['putStream'] = async (key, body, putOptions) => {
    const upload = new Upload({
      client: s3,
      params: {
        Bucket: bucket,
        Key: key,
        Body: Readable.from(body, { objectMode: false }),
        ...putParams(putOptions),
      },
      partSize,
      queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      throw toObjectStoreError(error, `Upload ${where(key)}`);
    }
  };

  const list = (prefix: string): AsyncIterable<string> =>
    (async function* () {
      let token: string | undefined;
      do {
        let page: ListObjectsV2CommandOutput;
        try {
          page = await s3.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              ...(token === undefined ? {} : { ContinuationToken: token }),
            }),
          );
        } catch (error) {
          throw toObjectStoreError(error, `ListObjectsV2 ${where(prefix)}`);
        }
        for (const object of page.Contents ?? []) if (object.Key !== undefined) yield object.Key;
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    })();

  const remove: ObjectStore['delete'] = async (keys) => {
    for (let offset = 0; offset < keys.length; offset += DELETE_BATCH) {
      const batch = keys.slice(offset, offset + DELETE_BATCH);
      let errors: NonNullable<DeleteObjectsCommandOutput['Errors']>;
      try {
        const out = await s3.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        errors = out.Errors ?? [];
      } catch (error) {
        throw toObjectStoreError(error, `DeleteObjects ${where(batch[0] ?? '')} (+${batch.length - 1} more)`);
      }
      if (errors.length > 0) {
        const first = errors[0];
        throw new ObjectStoreError(
          `DeleteObjects in ${bucket}: ${errors.length} keys not deleted, e.g. ${first?.Key}: ${first?.Code} ${first?.Message}`,
          'unknown',
        );
      }
    }
  };

  const presignGet: ObjectStore['presignGet'] = async (key, { expiresInSeconds }) => {
    const command = new GetObjectCommand({ Bucket: bucket, Key: key });
    return { method: 'GET', url: await presign(command, expiresInSeconds, key), headers: {} };
  };

  const presignPut: ObjectStore['presignPut'] = async (key, { expiresInSeconds, contentType, metadata }) => {
    const command = new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      ...(contentType === undefined ? {} : { ContentType: contentType }),
      ...(metadata === undefined ? {} : { Metadata: { ...metadata } }),
    });
    // The SDK would sign a checksum of the empty body it is given here, so no real upload could match it.
    command.middlewareStack.add(dropChecksumHeaders, {
      step: 'build',
      priority: 'low',
      name: 'dropChecksum',
    });
    const headers: Record<string, string> = {};
    if (contentType !== undefined) headers['content-type'] = contentType;
    for (const [name, value] of Object.entries(metadata ?? {})) headers[`x-amz-meta-${name}`] = value;
    // Signed as headers (not hoisted into the query), so the uploader must send exactly these.
    const url = await presign(command, expiresInSeconds, key, new Set(Object.keys(headers)));
    const request: PresignedRequest = { method: 'PUT', url, headers };
    return request;
  };

  const presign = async (
    command: GetObjectCommand | PutObjectCommand,
    expiresIn: number,
    key: string,
    signedHeaders: ReadonlySet<string> = new Set(),
  ): Promise<string> => {
    try {
      return await getSignedUrl(s3, command, {
        expiresIn,
        unhoistableHeaders: new Set(signedHeaders),
        signableHeaders: new Set(signedHeaders),
      });
    } catch (error) {
      throw toObjectStoreError(error, `presign ${command.constructor.name} ${where(key)}`);
    }
  };

  const compose: ObjectStore['compose'] = (key, sources, composeOptions) =>
    composeS3Object(
      { s3, bucket, head, stream, putStream, contentParams: putParams },
      key,
      sources,
      composeOptions,
    );

  return { bucket, head, get, stream, put, putStream, compose, list, delete: remove, presignGet, presignPut };
}

/** Build-step middleware: remove the flexible-checksum headers the SDK adds to every PutObject. */
const dropChecksumHeaders =
  <Args extends { request: unknown }, Output>(next: (args: Args) => Promise<Output>) =>
  async (args: Args): Promise<Output> => {
    const { headers } = args.request as { headers: Record<string, string> };
    for (const name of Object.keys(headers))
      if (/^x-amz-(checksum-|sdk-checksum-)/.test(name)) delete headers[name];
    return next(args);
  };

function checkRange(range: ByteRange): void {
  if (
    !Number.isSafeInteger(range.start) ||
    !Number.isSafeInteger(range.end) ||
    range.start < 0 ||
    range.end < range.start
  ) {
    throw new ObjectStoreError(`invalid byte range [${range.start}, ${range.end})`, 'invalid_value');
  }
}

function putParams(options: PutOptions | undefined): {
  ContentType: string;
  Metadata?: Record<string, string>;
} {
  return {
    ContentType: options?.contentType ?? DEFAULT_CONTENT_TYPE,
    ...(options?.metadata === undefined ? {} : { Metadata: { ...options.metadata } }),
  };
}
