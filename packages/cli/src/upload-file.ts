import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { CLIENT_EXIT_CODES, ClientError } from './client-error';

/** A presigned upload slot, as `POST /v1/jobs` hands it out. */
export interface UploadSlot {
  readonly method: 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

const UPLOAD_IDLE_TIMEOUT_MS = 60_000;

/**
 * Stream a file to a presigned upload slot with exactly its headers and a `Content-Length` (S3 takes no
 * chunked PUT): memory holds a read buffer, never the file. Node's own HTTP client, because `fetch` will
 * not send a length with a streamed body.
 */
export function uploadFile(slot: UploadSlot, path: string, size: number): Promise<void> {
  const url = new URL(slot.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ClientError(`the API handed out an upload URL that is not http(s)`, CLIENT_EXIT_CODES.failed);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<void>((resolve, reject) => {
    const request = client.request(
      url,
      { method: slot.method, headers: { ...slot.headers, 'content-length': String(size) } },
      (response) => {
        response.resume();
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new ClientError(`the upload was refused (HTTP ${status})`, CLIENT_EXIT_CODES.failed));
        });
      },
    );
    request.setTimeout(UPLOAD_IDLE_TIMEOUT_MS, () =>
      request.destroy(new Error(`no progress for ${UPLOAD_IDLE_TIMEOUT_MS / 1000}s`)),
    );
    request.on('error', (error) =>
      reject(
        new ClientError(`the upload failed: ${error.message}`, CLIENT_EXIT_CODES.failed, { cause: error }),
      ),
    );
    pipeline(createReadStream(path), request).catch((error: unknown) =>
      reject(
        new ClientError(
          `the upload failed: ${error instanceof Error ? error.message : String(error)}`,
          CLIENT_EXIT_CODES.failed,
          { cause: error },
        ),
      ),
    );
  });
}
