import { Readable } from 'node:stream';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { toObjectStoreError } from './s3-error';

type S3Body = NonNullable<GetObjectCommandOutput['Body']>;

async function* webChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * The chunks of a GetObject body as they arrive. Failures mid-stream become `ObjectStoreError`; a consumer
 * that stops early releases the connection (the body is destroyed).
 */
export async function* s3BodyChunks(body: S3Body | undefined, what: string): AsyncGenerator<Uint8Array> {
  if (body === undefined) return;
  const source: AsyncIterable<Uint8Array> =
    body instanceof Readable ? body : webChunks(body.transformToWebStream() as ReadableStream<Uint8Array>);
  let finished = false;
  try {
    for await (const chunk of source) yield chunk;
    finished = true;
  } catch (error) {
    throw toObjectStoreError(error, `${what} (reading the body)`);
  } finally {
    if (!finished && body instanceof Readable) body.destroy();
  }
}

/** The whole body as one array. */
export async function s3BodyBytes(body: S3Body | undefined, what: string): Promise<Uint8Array> {
  if (body === undefined) return new Uint8Array(0);
  try {
    return await body.transformToByteArray();
  } catch (error) {
    throw toObjectStoreError(error, `${what} (reading the body)`);
  }
}
