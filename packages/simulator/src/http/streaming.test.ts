import {
  type Completion,
  chatBody,
  createSimulatorHarness,
  joinDeltas,
  postChat,
  readSse,
  sseChunks,
  type TestChunk,
} from '@thinkbatch/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REASONING_SHAPES } from '../completion/r1-response';

const { start, closeAll } = createSimulatorHarness();
afterEach(closeAll);

const PROMPT = 'What is 20+22? Please reason step by step, and put your final answer within \\boxed{}.';

describe('streaming', () => {
  it('sends well-framed SSE: role first, reasoning before content, finish chunk, usage chunk, [DONE]', async () => {
    const simulator = await start();
    const response = await postChat(
      simulator.url,
      chatBody(PROMPT, { stream: true, stream_options: { include_usage: true } }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-request-id')).toMatch(/^sim-/);
    const read = await readSse(response);
    expect(read.wellFramed).toBe(true);
    expect(read.data.at(-1)).toBe('[DONE]');
    const chunks = sseChunks(read) as unknown as TestChunk[];
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    const kinds = chunks.slice(1, -2).map((chunk) => Object.keys(chunk.choices[0]?.delta ?? {})[0]);
    const firstContent = kinds.indexOf('content');
    expect(kinds.lastIndexOf('reasoning_content')).toBeLessThan(firstContent);
    expect(kinds.slice(0, firstContent).every((kind) => kind === 'reasoning_content')).toBe(true);
    expect(kinds.slice(firstContent).every((kind) => kind === 'content')).toBe(true);
    const finish = chunks.at(-2);
    expect(finish?.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
    const usageChunk = chunks.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toMatchObject({
      prompt_tokens: expect.any(Number),
      completion_tokens_details: { reasoning_tokens: expect.any(Number) },
    });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(joinDeltas(chunks, 'content')).toContain('\\boxed{42}');
  });

  it('streams exactly what the plain response carries, usage included', async () => {
    const simulator = await start();
    const plain = (await (await postChat(simulator.url, chatBody(PROMPT))).json()) as Completion;
    const read = await readSse(
      await postChat(
        simulator.url,
        chatBody(PROMPT, { stream: true, stream_options: { include_usage: true } }),
      ),
    );
    const chunks = sseChunks(read) as unknown as TestChunk[];
    expect(joinDeltas(chunks, 'reasoning_content')).toBe(plain.choices[0]?.message.reasoning_content);
    expect(joinDeltas(chunks, 'content')).toBe(plain.choices[0]?.message.content);
    expect(chunks.at(-1)?.usage).toEqual(plain.usage);
  });

  it('sends no usage and no usage field without stream_options.include_usage', async () => {
    const simulator = await start();
    const chunks = sseChunks(
      await readSse(await postChat(simulator.url, chatBody(PROMPT, { stream: true }))),
    );
    expect(chunks.every((chunk) => !('usage' in chunk))).toBe(true);
    expect((chunks.at(-1) as unknown as TestChunk).choices[0]?.finish_reason).toBe('stop');
  });

  it.each(REASONING_SHAPES)('streams the %s shape in the fields it belongs to', async (shape) => {
    const simulator = await start({ shape });
    const plain = (await (await postChat(simulator.url, chatBody(PROMPT))).json()) as Completion;
    const message = plain.choices[0]?.message ?? {};
    const chunks = sseChunks(
      await readSse(await postChat(simulator.url, chatBody(PROMPT, { stream: true }))),
    ) as unknown as TestChunk[];
    for (const field of ['reasoning_content', 'reasoning', 'content'] as const) {
      expect(joinDeltas(chunks, field)).toBe(message[field] ?? '');
    }
    const content = message.content ?? '';
    if (shape === 'think_tags')
      expect(content).toMatch(/^<think>\n[\s\S]+\n<\/think>\n\n\*\*Final Answer\*\*/);
    if (shape === 'closing_think_only') {
      expect(content).toMatch(/^Okay[\s\S]+\n<\/think>\n\n/);
      expect(content).not.toContain('<think>');
    }
    if (shape === 'reasoning') expect(message.reasoning).toMatch(/^Okay/);
    if (shape === 'reasoning_content') expect(message.reasoning_content).toMatch(/^Okay/);
  });

  it('cuts a stream at max_tokens with finish_reason length', async () => {
    const simulator = await start();
    const chunks = sseChunks(
      await readSse(await postChat(simulator.url, chatBody(PROMPT, { stream: true, max_tokens: 3 }))),
    ) as unknown as TestChunk[];
    expect(joinDeltas(chunks, 'reasoning_content')).toHaveLength(12);
    expect(joinDeltas(chunks, 'content')).toBe('');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('length');
  });

  it('spreads chunks over the generation time: headers first, body later', async () => {
    const simulator = await start({ tokensPerSecond: 200, latency: { kind: 'fixed', ms: 0 } });
    const { clock } = simulator;
    const started = clock.now();
    const response = await postChat(simulator.url, chatBody(PROMPT, { stream: true }));
    const headersAfter = clock.now() - started;
    await clock.runUntil(response.text());
    const bodyAfter = clock.now() - started;
    expect(headersAfter).toBeLessThan(150);
    expect(bodyAfter).toBeGreaterThan(150); // ≥ ~40 tokens at 200 tokens/s
  });

  it('counts a client that goes away mid-stream and frees its slot', async () => {
    const simulator = await start({ tokensPerSecond: 20, maxConcurrency: 1 });
    const controller = new AbortController();
    const response = await postChat(simulator.url, chatBody(PROMPT, { stream: true }), {}, controller.signal);
    const reader = response.body?.getReader();
    await simulator.clock.advanceToNext(); // the first events are due: the server sends them
    await reader?.read();
    controller.abort();
    // The server notices the abort, stops sleeping on the clock and frees the slot.
    await vi.waitFor(() => expect(simulator.stats().inFlight).toBe(0), { timeout: 10_000, interval: 5 });
    const stats = simulator.stats();
    expect(stats.clientAborts).toBe(1);
    expect(stats.inFlight).toBe(0);
    expect(stats.completedByPrompt).toEqual({});
    const next = simulator.clock.runUntil(postChat(simulator.url, chatBody('next', { max_tokens: 1 })));
    expect((await next).status).toBe(200);
  });
});
