import { startSimulator } from '@thinkbatch/simulator';
import { chatBody, createSimulatorHarness, postChat, readSse, sseChunks } from '@thinkbatch/testing';
import { afterEach, describe, expect, it } from 'vitest';

const { start, closeAll } = createSimulatorHarness();
afterEach(closeAll);

const STREAM = { stream: true, stream_options: { include_usage: true } };

describe('the token ledger of a running simulator', () => {
  it('records a complete answer with the request id, completion id and the usage the client got', async () => {
    const simulator = await start();
    const response = await postChat(simulator.url, chatBody('hello'));
    const body = (await response.json()) as { id: string; usage: unknown };
    const [entry] = simulator.ledger().entries;
    expect(entry).toMatchObject({
      requestId: response.headers.get('x-request-id'),
      completionId: body.id,
      outcome: 'complete',
      status: 200,
      fault: null,
      usage: body.usage,
    });
  });

  it('records the usage chunk of a stream, and null usage when the stream did not ask for it', async () => {
    const simulator = await start();
    const streamed = sseChunks(await readSse(await postChat(simulator.url, chatBody('s', STREAM))));
    await (await postChat(simulator.url, chatBody('s', { stream: true }))).text();
    const [withUsage, withoutUsage] = simulator.ledger().entries;
    expect(withUsage?.usage).toEqual(streamed.at(-1)?.['usage']);
    expect(withUsage?.outcome).toBe('complete');
    expect(withoutUsage).toMatchObject({ outcome: 'complete', usage: null });
  });

  it('records each fault with its outcome, its label and no usage', async () => {
    const simulator = await start({
      promptFaults: [
        { match: 'p400', fault: 'http400' },
        { match: 'p429', fault: 'http429' },
        { match: 'preset', fault: 'connectionReset' },
        { match: 'pmid', fault: { kind: 'connectionReset', midBody: true } },
        { match: 'ptrunc', fault: 'truncatedBody' },
        { match: 'pgarbage', fault: 'nonJsonBody' },
        { match: 'pnousage', fault: 'missingUsage' },
      ],
    });
    for (const prompt of ['p400', 'p429', 'preset', 'pmid', 'ptrunc', 'pgarbage', 'pnousage']) {
      await postChat(simulator.url, chatBody(prompt))
        .then((r) => r.text())
        .catch(() => 'cut');
    }
    const seen = simulator.ledger().entries.map((e) => [e.fault, e.outcome, e.status, e.usage]);
    expect(seen).toEqual([
      ['http400', 'http_error', 400, null],
      ['http429', 'rate_limited', 429, null],
      ['connectionReset', 'reset', null, null],
      ['connectionReset', 'reset', 200, null],
      ['truncatedBody', 'truncated', 200, null],
      ['nonJsonBody', 'invalid_body', 200, null],
      ['missingUsage', 'complete', 200, null],
    ]);
  });

  it("records the rate limiter's 429s", async () => {
    const simulator = await start({ requestsPerMinute: 1 });
    await postChat(simulator.url, chatBody('a'));
    await postChat(simulator.url, chatBody('b'));
    expect(simulator.ledger().entries.map((e) => e.outcome)).toEqual(['complete', 'rate_limited']);
  });

  it('records a client that went away as client_aborted', async () => {
    const simulator = await startSimulator({ latency: { kind: 'fixed', ms: 5_000 } });
    try {
      const controller = new AbortController();
      const pending = postChat(simulator.url, chatBody('slow'), {}, controller.signal);
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort();
      await pending.catch(() => {});
      await expect.poll(() => simulator.ledger().entries.map((e) => e.outcome)).toEqual(['client_aborted']);
    } finally {
      await simulator.close();
    }
  });

  it('serves the ledger as JSON at ledgerUrl, without an API key', async () => {
    const simulator = await start({ apiKey: 'sk-x' });
    await postChat(simulator.url, chatBody('a'), { authorization: 'Bearer sk-x' });
    const served = (await (await fetch(simulator.ledgerUrl)).json()) as { entries: unknown[] };
    expect(served).toEqual(simulator.ledger());
    expect(served.entries).toHaveLength(1);
    expect(simulator.stats().requests).toBe(1);
  });
});
