import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { URL } from 'node:url';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { requestSendRecorder } from './request-send-time';

/** Options of `createNodeHttpFetch`. */
export interface NodeHttpFetchOptions {
  /**
   * The `fetch` for every request this one leaves alone: another scheme, a body that is not text or
   * bytes, a redirect mode other than `follow`, undici's `dispatcher`, and any request answered with a
   * redirect (sent again through it, which follows). @default globalThis.fetch
   */
  readonly fallback?: typeof fetch;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * A `fetch` for the SDK's requests over `node:http`/`node:https` and their global keep-alive agents. Node's
 * own `fetch` (undici) costs about a third of a millisecond of CPU more per call at zero latency: it
 * builds a `Request`, sends even a text body as a web stream through an async iterator, and reads the
 * answer through several stream layers; this one writes the text at once and hands the response's chunks
 * to one `ReadableStream`. What the SDK sees is the same: a `Response` with the status, headers and body
 * (gzip, deflate and br decoded), `TypeError('fetch failed', { cause })` when no answer came,
 * `TypeError('terminated', { cause })` from the body when the connection dies in the middle, and the
 * signal's reason on abort. No `accept-encoding` is added (undici's is), so answers come uncompressed.
 * Each request reports when its last byte was written to the socket (its `finish`: after the connection,
 * the headers and the body) to the call's `RequestSendRecorder`, when it runs in one.
 */
export function createNodeHttpFetch(options: NodeHttpFetchOptions = {}): typeof fetch {
  const fallback = options.fallback ?? globalThis.fetch;
  return (input, init) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : null;
    const body = init?.body;
    const plainBody =
      body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    if (href === null || !plainBody || (init?.redirect ?? 'follow') !== 'follow' || hasDispatcher(init))
      return fallback(input, init);
    const url = new URL(href);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fallback(input, init);
    return send(url, init ?? {}, body, () => fallback(input, init));
  };
}

function hasDispatcher(init: RequestInit | undefined): boolean {
  return init !== undefined && 'dispatcher' in init && init.dispatcher !== undefined;
}

function send(
  url: URL,
  init: RequestInit,
  body: string | Uint8Array | null | undefined,
  redirected: () => Promise<Response>,
): Promise<Response> {
  const signal = init.signal ?? null;
  if (signal?.aborted) return Promise.reject(signal.reason);
  // `end(body)` before any write: node:http sends the body's content-length itself.
  const headers = requestHeaders(init.headers);
  const method = (init.method ?? 'GET').toUpperCase();
  const recorder = requestSendRecorder();
  return new Promise<Response>((resolve, reject) => {
    // Destroying the request ends the response too: its body's read fails with the reason.
    const onAbort = (): void => {
      request.destroy(signal?.reason);
    };
    const done = (): void => signal?.removeEventListener('abort', onAbort);
    const requestOf = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request: ClientRequest = requestOf(url, { method, headers }, (incoming) => {
      incoming.once('close', done);
      const status = incoming.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status) && incoming.headers.location !== undefined) {
        incoming.resume();
        done();
        resolve(redirected());
        return;
      }
      if (status < 200 || status > 599) {
        incoming.destroy();
        reject(new TypeError('fetch failed', { cause: new Error(`unexpected HTTP status ${status}`) }));
        return;
      }
      const emptyBody = method === 'HEAD' || NULL_BODY_STATUSES.has(status);
      if (emptyBody) incoming.resume();
      const answer = new Response(emptyBody ? null : bodyStream(decoded(incoming), signal), {
        status,
        statusText: incoming.statusMessage ?? '',
        headers: responseHeaders(incoming.rawHeaders),
      });
      Object.defineProperty(answer, 'url', { value: url.href });
      resolve(answer);
    });
    request.once('error', (error) => {
      done();
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    // Emitted once the whole request is handed to the socket, not when `end` queues it.
    if (recorder !== undefined) request.once('finish', () => recorder.written());
    request.end(body ?? undefined);
  });
}

function requestHeaders(given: RequestInit['headers']): Record<string, string> {
  const headers: Record<string, string> = {};
  if (given === undefined) return headers;
  (given instanceof Headers ? given : new Headers(given)).forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

/** The response's header lines as pairs (a list, not a `Headers`: `Response` makes its own from it). */
function responseHeaders(raw: readonly string[]): [string, string][] {
  const headers: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i] as string, raw[i + 1] as string]);
  return headers;
}

/** The response's bytes as the server meant them: gzip, deflate and br undone, as `fetch` does. */
function decoded(incoming: IncomingMessage): Readable {
  const encoding = String(incoming.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : null;
  if (decoder === null) return incoming;
  incoming.once('error', (error) => decoder.destroy(error));
  return incoming.pipe(decoder);
}

/**
 * One web stream over the response's chunks, paused while the reader is behind. A connection that dies
 * before the end fails the read with `TypeError('terminated')` (undici's words), an abort with its reason.
 */
function bodyStream(source: Readable, signal: AbortSignal | null): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      source.on('data', (chunk: Buffer) => {
        if (settled) return;
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 1) <= 0) source.pause();
      });
      source.once('end', () => {
        if (settled) return;
        settled = true;
        controller.close();
      });
      source.once('error', (error) => {
        if (settled) return;
        settled = true;
        controller.error(signal?.aborted ? signal.reason : new TypeError('terminated', { cause: error }));
      });
    },
    pull() {
      source.resume();
    },
    cancel() {
      settled = true;
      source.destroy();
    },
  });
}
