import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelCallResult } from '@thinkbatch/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeHttpFetch } from './node-http-fetch';
import { createOpenAIModelClient } from './openai-model-client';

const KEY = 'sk-test-0123456789abcdef';
const DELAY_MS = 120;
const COMPLETION = JSON.stringify({
  id: 'c-1',
  object: 'chat.completion',
  created: 0,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

/** The same answer as server-sent events: one chunk with the content, one with the usage. */
const STREAMED = [
  {
    id: 'c-1',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'm',
    choices: [{ index: 0, delta: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  },
  {
    id: 'c-1',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'm',
    choices: [],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  },
]
  .map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`)
  .concat('data: [DONE]\n\n')
  .join('');

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A real endpoint on 127.0.0.1 that notes when each request's headers arrived (epoch ms). */
async function endpoint(status = 200): Promise<{ url: string; arrivals: number[] }> {
  const arrivals: number[] = [];
  const server = createServer((request, response) => {
    arrivals.push(Date.now());
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const streamed =
        (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean }).stream === true;
      if (status === 429) {
        response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        response.end('{"error":{"message":"slow down"}}');
        return;
      }
      response.writeHead(200, { 'content-type': streamed ? 'text/event-stream' : 'application/json' });
      response.end(streamed ? STREAMED : COMPLETION);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, arrivals };
}

/** The node:http fetch, with `DELAY_MS` between the SDK's call and the request's write. */
function lateWritingFetch(): typeof fetch {
  const send = createNodeHttpFetch();
  return async (input, init) => {
    await sleep(DELAY_MS);
    return send(input, init);
  };
}

const body = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

function sentAtOf(result: ModelCallResult): number {
  if (result.sentAt === undefined) throw new Error(`no sentAt in ${JSON.stringify(result).slice(0, 300)}`);
  return result.sentAt;
}

describe('createOpenAIModelClient: the request send time', () => {
  it.each([
    ['streaming', true],
    ['non-streaming', false],
  ] as const)(
    '%s: reports the write, after a delay between the call and the write',
    async (_mode, stream) => {
      const server = await endpoint();
      const client = createOpenAIModelClient({
        baseURL: server.url,
        apiKey: KEY,
        stream,
        fetch: lateWritingFetch(),
      });
      const calledAt = Date.now();
      const result = await client.complete(body, { timeoutMs: 5_000 });
      expect(result.kind).toBe('completed');
      const sentAt = sentAtOf(result);
      expect(sentAt - calledAt).toBeGreaterThanOrEqual(DELAY_MS - 1);
      // Written before the endpoint read it (same process clock; 2 ms for rounding).
      expect(sentAt).toBeLessThanOrEqual((server.arrivals[0] ?? 0) + 2);
    },
  );

  it('reports the send time of a refused call too (a 429 is in the endpoint window)', async () => {
    const server = await endpoint(429);
    const client = createOpenAIModelClient({ baseURL: server.url, apiKey: KEY, fetch: lateWritingFetch() });
    const calledAt = Date.now();
    const result = await client.complete(body, { timeoutMs: 5_000 });
    expect(result.kind).toBe('failed');
    expect(sentAtOf(result) - calledAt).toBeGreaterThanOrEqual(DELAY_MS - 1);
  });

  it('a fetch that reports no write (Node fetch): the time the SDK called it, before the delay inside', async () => {
    const server = await endpoint();
    const lateNodeFetch: typeof fetch = async (input, init) => {
      await sleep(DELAY_MS);
      return globalThis.fetch(input, init);
    };
    const client = createOpenAIModelClient({ baseURL: server.url, apiKey: KEY, fetch: lateNodeFetch });
    const calledAt = Date.now();
    const result = await client.complete(body, { timeoutMs: 5_000 });
    const sentAt = sentAtOf(result);
    expect(sentAt).toBeGreaterThanOrEqual(calledAt);
    expect(sentAt).toBeLessThan(calledAt + DELAY_MS);
  });

  it('no request went out: no send time', async () => {
    const client = createOpenAIModelClient({ baseURL: 'http://127.0.0.1:9/v1', apiKey: KEY });
    const aborted = AbortSignal.abort();
    const result = await client.complete(body, { timeoutMs: 5_000, signal: aborted });
    expect(result.kind).toBe('failed');
    expect(result.sentAt).toBeUndefined();
  });
});
