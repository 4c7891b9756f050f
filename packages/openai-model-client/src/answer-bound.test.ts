import type { ChatRequestBody } from '@thinkbatch/core';
import { createSimulatorHarness } from '@thinkbatch/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { readBoundedText, readChunkStream } from './completion-reader';
import { createOpenAIModelClient } from './openai-model-client';

const harness = createSimulatorHarness();
afterEach(harness.closeAll);

const body = (prompt: string): ChatRequestBody => ({
  model: 'deepseek-ai/deepseek-r1',
  messages: [{ role: 'user', content: prompt }],
});

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}
const chunk = (delta: Record<string, string>, finish: string | null = null) => ({
  id: 'c',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe('the bound on an answer’s length', () => {
  it('a stream whose text passes the bound is invalid, counting reasoning and content together', async () => {
    const chunks = [
      chunk({ reasoning_content: 'x'.repeat(6) }),
      chunk({ content: 'y'.repeat(5) }),
      chunk({}, 'stop'),
    ];
    expect(await readChunkStream(from(chunks), 11)).toMatchObject({ kind: 'completion' });
    expect(await readChunkStream(from(chunks), 10)).toEqual({
      kind: 'invalid',
      message: 'answer longer than 10 characters after 2 chunks; stopped reading',
    });
  });

  it('a body read stops (and is cancelled) past its byte bound', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(1_000)), // endless
      cancel: () => {
        cancelled = true;
      },
    });
    expect(await readBoundedText(new Response(stream), 5_000)).toBeNull();
    expect(cancelled).toBe(true);
    expect(await readBoundedText(new Response('{"a":1}'), 7)).toBe('{"a":1}');
  });

  it.each([
    ['streaming', true],
    ['non-streaming', false],
  ] as const)(
    '%s: a giant 200 from the endpoint fails the attempt as invalid_response; a normal one passes',
    async (_, stream) => {
      const simulator = await harness.start({
        promptFaults: [{ match: 'GIANT', fault: { kind: 'giantBody', bytes: 200_000 } }],
      });
      const client = createOpenAIModelClient({
        baseURL: simulator.url,
        apiKey: 'k',
        stream,
        maxAnswerChars: 50_000,
      });
      const giant = await client.complete(body('GIANT'), { timeoutMs: 10_000 });
      expect(giant).toMatchObject({
        kind: 'failed',
        failure: { type: 'invalid_response', message: expect.stringContaining('longer than') },
      });
      expect((await client.complete(body('normal'), { timeoutMs: 10_000 })).kind).toBe('completed');
    },
  );
});
