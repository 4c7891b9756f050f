import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeHttpFetch } from './node-http-fetch';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

interface TestServer {
  readonly url: string;
  /** TCP connections the server accepted so far. */
  readonly connections: () => number;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A real HTTP server on 127.0.0.1 that hands each request, with its whole body, to `handle`. */
async function serve(handle: Handler): Promise<TestServer> {
  let connections = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks).toString('utf8'), response));
  });
  server.on('connection', () => {
    connections += 1;
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => connections };
}

/** A fallback `fetch` that records the requests it was given and answers them with Node's `fetch`. */
function recordingFallback(): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: (input, init) => {
      urls.push(input instanceof Request ? input.url : String(input));
      return globalThis.fetch(input, init);
    },
  };
}

describe('createNodeHttpFetch', () => {
  it('sends the method, headers and text body, and answers with status, headers and body', async () => {
    const seen: { method?: string; headers?: IncomingMessage['headers']; body?: string }[] = [];
    const server = await serve((request, body, response) => {
      seen.push({ method: request.method ?? '', headers: request.headers, body });
      response.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-request-id': 'req-1' });
      response.end('{"ok":true}');
    });
    const fallback = recordingFallback();
    const fetch = createNodeHttpFetch({ fallback: fallback.fetch });
    const body = JSON.stringify({ prompt: 'héllo' });
    const answer = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'post',
      headers: new Headers({ authorization: 'Bearer k', 'content-type': 'application/json' }),
      body,
    });
    expect(answer.status).toBe(201);
    expect(answer.statusText).toBe('Made');
    expect(answer.headers.get('x-request-id')).toBe('req-1');
    expect(answer.url).toBe(`${server.url}/v1/chat/completions`);
    expect(await answer.json()).toEqual({ ok: true });
    expect(seen).toEqual([
      {
        method: 'POST',
        headers: expect.objectContaining({
          authorization: 'Bearer k',
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        }),
        body,
      },
    ]);
    expect(fallback.urls).toEqual([]);
  });

  it('keeps the connection alive between requests', async () => {
    const server = await serve((_request, _body, response) => response.end('x'));
    const fetch = createNodeHttpFetch();
    for (let i = 0; i < 3; i += 1)
      expect(await (await fetch(server.url, { method: 'POST', body: 'b' })).text()).toBe('x');
    expect(server.connections()).toBe(1);
  });

  it('hands the body over as it arrives, not at its end', async () => {
    let finish: () => void = () => undefined;
    const server = await serve((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      finish = () => response.end('data: two\n\n');
    });
    const answer = await createNodeHttpFetch()(server.url);
    const reader = answer.body?.getReader();
    if (reader === undefined) throw new Error('no body');
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: one\n\n');
    finish();
    let rest = '';
    for (let next = await reader.read(); !next.done; next = await reader.read())
      rest += new TextDecoder().decode(next.value);
    expect(rest).toBe('data: two\n\n');
  });

  it('decodes a gzip body, as fetch does', async () => {
    const server = await serve((_request, _body, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip' });
      response.end(gzipSync('{"answer":42}'));
    });
    expect(await (await createNodeHttpFetch()(server.url)).json()).toEqual({ answer: 42 });
  });

  it('has no body for 204', async () => {
    const server = await serve((_request, _body, response) => response.writeHead(204).end());
    const answer = await createNodeHttpFetch()(server.url);
    expect(answer.status).toBe(204);
    expect(answer.body).toBeNull();
  });

  it('sends a request answered with a redirect again through the fallback, which follows it', async () => {
    const server = await serve((request, body, response) => {
      if (request.url === '/old') response.writeHead(307, { location: '/new' }).end();
      else response.end(`moved: ${request.method} ${body}`);
    });
    const fallback = recordingFallback();
    const answer = await createNodeHttpFetch({ fallback: fallback.fetch })(`${server.url}/old`, {
      method: 'POST',
      body: 'payload',
    });
    expect(await answer.text()).toBe('moved: POST payload');
    expect(fallback.urls).toEqual([`${server.url}/old`]);
  });

  it('leaves requests it does not handle to the fallback', async () => {
    const server = await serve((_request, body, response) => response.end(`got ${body}`));
    const fallback = recordingFallback();
    const fetch = createNodeHttpFetch({ fallback: fallback.fetch });
    const stream = new Blob(['streamed']).stream();
    expect(
      await (await fetch(server.url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit)).text(),
    ).toBe('got streamed');
    expect(await (await fetch(new Request(server.url))).text()).toBe('got ');
    await fetch(server.url, { redirect: 'manual' });
    expect(fallback.urls).toEqual([server.url, `${server.url}/`, server.url]);
  });

  it('rejects like fetch when nothing answers: TypeError fetch failed, the cause ECONNREFUSED', async () => {
    const server = await serve(() => undefined);
    const closed = servers.pop();
    await new Promise((resolve) => closed?.close(resolve));
    const failure = await createNodeHttpFetch()(server.url).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(failure).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNREFUSED' } });
  });

  it('fails the body read with TypeError terminated when the connection dies in the middle', async () => {
    const server = await serve((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n', () => setTimeout(() => response.socket?.destroy(), 20));
    });
    const answer = await createNodeHttpFetch()(server.url);
    const failure = await answer.text().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(failure).toMatchObject({ message: 'terminated' });
  });

  it("rejects with the signal's reason on abort, before the headers and in the middle of the body", async () => {
    const server = await serve((request, _body, response) => {
      if (request.url === '/body') {
        response.writeHead(200);
        response.write('part');
      }
    });
    const fetch = createNodeHttpFetch();
    const beforeHeaders = new AbortController();
    const pending = fetch(server.url, { signal: beforeHeaders.signal }).catch((error: unknown) => error);
    setTimeout(() => beforeHeaders.abort(new Error('deadline')), 50);
    expect(await pending).toMatchObject({ message: 'deadline' });

    const inBody = new AbortController();
    const answer = await fetch(`${server.url}/body`, { signal: inBody.signal });
    const reader = answer.body?.getReader();
    expect(new TextDecoder().decode((await reader?.read())?.value)).toBe('part');
    inBody.abort(new Error('stop'));
    await expect(reader?.read()).rejects.toThrow('stop');

    const already = AbortSignal.abort(new Error('too late'));
    await expect(fetch(server.url, { signal: already })).rejects.toThrow('too late');
  });
});
