import type { ErrorCode } from '../errors/error-code';
import { ThinkbatchError } from '../errors/thinkbatch-error';

/** Metadata of a stored object. */
export interface ObjectInfo {
  readonly size: number;
  readonly etag: string;
  /** User metadata (S3 `x-amz-meta-*`), keys lower-case. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** A byte range: `start` inclusive, `end` exclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface PutOptions {
  /** @default 'application/octet-stream' */
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** How long a presigned request stays valid, in seconds (S3 allows up to 7 days). */
export interface PresignOptions {
  readonly expiresInSeconds: number;
}

/** What a presigned upload must carry: the object's content type and user metadata are part of the signature. */
export interface PresignPutOptions extends PresignOptions {
  /** @default none (any content type) */
  readonly contentType?: string;
  /** User metadata (keys lower-case) the upload must send as `x-amz-meta-*` headers. @default none */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * One request on one object that its holder may make without credentials until it expires: a download
 * link or an upload slot. `headers` must be sent exactly as given (they are signed).
 */
export interface PresignedRequest {
  readonly method: 'GET' | 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Port: one bucket of objects (S3 in production, an emulator locally, a map in unit tests).
 * Reads of missing objects return null; other failures throw an `ObjectStoreError`.
 */
export interface ObjectStore {
  /** The bucket's name, as events and job records refer to it. */
  readonly bucket: string;
  head(key: string): Promise<ObjectInfo | null>;
  /** The whole object, or a byte range of it. `ifMatch` pins the version (etag); a mismatch throws. */
  get(
    key: string,
    options?: { readonly range?: ByteRange; readonly ifMatch?: string },
  ): Promise<Uint8Array | null>;
  /** Stream the object (memory bounded by the stream's chunks, never the object). */
  stream(key: string, options?: { readonly ifMatch?: string }): Promise<AsyncIterable<Uint8Array> | null>;
  put(key: string, body: string | Uint8Array, options?: PutOptions): Promise<void>;
  /** Upload from a stream of unknown length (multipart for large bodies), memory bounded by one part. */
  putStream(key: string, body: AsyncIterable<Uint8Array>, options?: PutOptions): Promise<void>;
  /**
   * Write `key` as the bytes of `sources` (keys of this bucket) one after another, without passing them
   * through this process where the store can: S3 assembles a multipart upload from UploadPartCopy parts
   * when every source but the last holds at least 5 MiB (its minimum part), and otherwise the sources are
   * read and uploaded as one stream. Empty sources are skipped; a missing source throws. The object
   * appears only once complete.
   */
  compose(key: string, sources: readonly string[], options?: PutOptions): Promise<void>;
  /** Keys under a prefix, in lexicographic order, paged transparently. */
  list(prefix: string): AsyncIterable<string>;
  /** Delete keys; missing keys are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** A download link for the object (whether it exists is not checked). */
  presignGet(key: string, options: PresignOptions): Promise<PresignedRequest>;
  /** An upload slot for the object: one PUT of the whole body, with the headers given. */
  presignPut(key: string, options: PresignPutOptions): Promise<PresignedRequest>;
}

/** The codes an object store failure carries. */
export type ObjectStoreErrorCode = Extract<
  ErrorCode,
  'precondition_failed' | 'invalid_value' | 'unavailable' | 'unknown'
>;

/** Raised by object store adapters for failures other than "not found". */
export class ObjectStoreError extends ThinkbatchError {
  override name = 'ObjectStoreError';
  declare readonly code: ObjectStoreErrorCode;
  /**
   * The store refused the request for good (a 4xx other than throttling, timeouts and preconditions: an
   * object too large, a refused key or body): the same request will be refused again. @default false
   */
  readonly permanent: boolean;
  constructor(
    message: string,
    code: ObjectStoreErrorCode,
    options: ErrorOptions & { readonly permanent?: boolean } = {},
  ) {
    const { permanent = false, ...rest } = options;
    super(message, { ...rest, code });
    this.permanent = permanent;
  }
}

/** Whether an error is a request the object store will never accept, however often it is retried. */
export function isPermanentObjectStoreFailure(error: unknown): error is ObjectStoreError {
  return error instanceof ObjectStoreError && error.permanent;
}
