import { createHash } from 'node:crypto';
import type { ByteRange, ObjectInfo, ObjectStore, PutOptions } from '@thinkbatch/core';
import { ObjectStoreError } from '@thinkbatch/core';

interface StoredObject {
  readonly body: Uint8Array;
  readonly etag: string;
  readonly metadata: Record<string, string>;
}

/** An ObjectStore in memory, for unit tests. Runs the same contract suite as the S3 adapter. */
export interface InMemoryObjectStore extends ObjectStore {
  /** Keys currently stored (test inspection). */
  keys(): string[];
}

/** Create an in-memory object store for one bucket. Streams are served in `chunkSize`-byte pieces. */
export function createInMemoryObjectStore(
  bucket: string,
  options: { chunkSize?: number } = {},
): InMemoryObjectStore {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  const objects = new Map<string, StoredObject>();
  const encoder = new TextEncoder();

  const store = (key: string, body: Uint8Array, put?: PutOptions): void => {
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    const metadata = Object.fromEntries(
      Object.entries(put?.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    objects.set(key, { body: body.slice(), etag, metadata });
  };
  const checkMatch = (key: string, object: StoredObject, ifMatch: string | undefined): void => {
    if (ifMatch !== undefined && ifMatch !== object.etag) {
      throw new ObjectStoreError(
        `${bucket}/${key} changed (etag ${object.etag}, expected ${ifMatch})`,
        'precondition_failed',
      );
    }
  };
  const slice = (object: StoredObject, range: ByteRange | undefined): Uint8Array =>
    range === undefined ? object.body.slice() : object.body.slice(range.start, range.end);

  return {
    bucket,
    keys: () => [...objects.keys()].sort(),
    head: async (key) => {
      const object = objects.get(key);
      if (object === undefined) return null;
      const info: ObjectInfo = {
        size: object.body.byteLength,
        etag: object.etag,
        metadata: { ...object.metadata },
      };
      return info;
    },
    get: async (key, getOptions) => {
      const object = objects.get(key);
      if (object === undefined) return null;
      checkMatch(key, object, getOptions?.ifMatch);
      return slice(object, getOptions?.range);
    },
    stream: async (key, streamOptions) => {
      const object = objects.get(key);
      if (object === undefined) return null;
      checkMatch(key, object, streamOptions?.ifMatch);
      const body = object.body;
      return (async function* () {
        for (let offset = 0; offset < body.byteLength; offset += chunkSize) {
          yield body.slice(offset, offset + chunkSize);
        }
      })();
    },
    put: async (key, body, putOptions) => {
      store(key, typeof body === 'string' ? encoder.encode(body) : body, putOptions);
    },
    putStream: async (key, body, putOptions) => {
      const parts: Uint8Array[] = [];
      for await (const part of body) parts.push(part);
      store(key, Buffer.concat(parts), putOptions);
    },
    compose: async (key, sources, putOptions) => {
      const parts = sources.map((source) => {
        const object = objects.get(source);
        if (object === undefined)
          throw new ObjectStoreError(
            `compose ${key}: source ${source} does not exist`,
            'precondition_failed',
          );
        return object.body;
      });
      store(key, Buffer.concat(parts), putOptions);
    },
    list: (prefix) =>
      (async function* () {
        for (const key of [...objects.keys()].sort()) if (key.startsWith(prefix)) yield key;
      })(),
    delete: async (keys) => {
      for (const key of keys) objects.delete(key);
    },
    presignGet: async (key, { expiresInSeconds }) => ({
      method: 'GET',
      url: memoryUrl(bucket, key, 'GET', expiresInSeconds),
      headers: {},
    }),
    presignPut: async (key, { expiresInSeconds, contentType, metadata }) => ({
      method: 'PUT',
      url: memoryUrl(bucket, key, 'PUT', expiresInSeconds),
      headers: {
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
        ...Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [`x-amz-meta-${k}`, v])),
      },
    }),
  };
}

/** A presigned URL of the in-memory store: nothing serves it; tests read the key, method and lifetime back. */
function memoryUrl(bucket: string, key: string, method: string, expiresInSeconds: number): string {
  const url = new URL(`memory://${bucket}/`);
  url.pathname = `/${key}`;
  url.searchParams.set('method', method);
  url.searchParams.set('expires-in', String(expiresInSeconds));
  return url.href;
}
