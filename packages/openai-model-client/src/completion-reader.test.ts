import { describe, expect, it } from 'vitest';
import { parseCompletionBody, readChunkStream } from './completion-reader';

async function* from<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

describe('parseCompletionBody', () => {
  it('accepts a chat completion and keeps unknown fields', () => {
    const outcome = parseCompletionBody(
      JSON.stringify({
        id: 'x',
        choices: [{ message: { content: 'hi', reasoning_content: 'r' }, finish_reason: 'stop' }],
        extra: 1,
      }),
    );
    expect(outcome).toEqual({
      kind: 'completion',
      completion: {
        id: 'x',
        choices: [{ message: { content: 'hi', reasoning_content: 'r' }, finish_reason: 'stop' }],
        extra: 1,
      },
    });
  });

  it('refuses non-JSON with a short preview, and JSON that is not a completion', () => {
    const long = `<html>${'x'.repeat(500)}</html>`;
    const outcome = parseCompletionBody(long);
    expect(outcome.kind).toBe('invalid');
    if (outcome.kind === 'invalid') {
      expect(outcome.message).toMatch(/^response body is not JSON \(513 chars\): <html>x+…$/);
      expect(outcome.message.length).toBeLessThan(200);
    }
    expect(parseCompletionBody('{"choices":[]}')).toEqual({
      kind: 'invalid',
      message: expect.stringMatching(/^response is not a chat completion: choices: /),
    });
    expect(parseCompletionBody('{"object":"error"}')).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('choices'),
    });
  });
});

describe('readChunkStream', () => {
  const chunk = (delta: Record<string, string>, finish: string | null = null) => ({
    id: 'c',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

  it('accumulates reasoning and content deltas and the usage chunk', async () => {
    const outcome = await readChunkStream(
      from([
        chunk({ role: 'assistant', content: '' }),
        chunk({ reasoning_content: 'thin' }),
        chunk({ reasoning_content: 'king' }),
        chunk({ content: 'answer' }),
        chunk({}, 'stop'),
        { id: 'c', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } },
      ]),
    );
    expect(outcome).toMatchObject({
      kind: 'completion',
      completion: {
        id: 'c',
        choices: [
          {
            message: { role: 'assistant', content: 'answer', reasoning_content: 'thinking' },
            finish_reason: 'stop',
          },
        ],
        usage: { total_tokens: 3 },
      },
    });
  });

  it('calls a stream without finish_reason truncated, and an empty one too', async () => {
    expect(await readChunkStream(from([chunk({ content: 'half' })]))).toEqual({
      kind: 'invalid',
      message: 'stream ended after 1 chunks without a finish_reason (truncated)',
    });
    expect(await readChunkStream(from([]))).toMatchObject({ kind: 'invalid' });
  });

  it('stops at a malformed chunk and ends the iteration', async () => {
    let finished = false;
    async function* source() {
      try {
        yield chunk({ content: 'a' });
        yield { choices: 'nope' };
        yield chunk({}, 'stop');
      } finally {
        finished = true;
      }
    }
    expect(await readChunkStream(source())).toEqual({
      kind: 'invalid',
      message: expect.stringMatching(/^stream chunk 1 is malformed: choices: /),
    });
    expect(finished).toBe(true);
  });
});
