import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accumulateStream } from './accumulate-stream';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessage } from './chat-completion';
import { extractReasoning } from './extract-reasoning';

const STREAMED_FIELDS = ['reasoning_content', 'reasoning', 'content'] as const;

/** Cut `text` at the given positions (taken modulo its length), the way a server might. */
function split(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const point of [...points, text.length]) {
    pieces.push(text.slice(from, point));
    from = point;
  }
  return pieces.filter((piece) => piece !== '');
}

/** The chunks a server would stream for `completion`: reasoning first, then content, finish, usage. */
function toChunks(completion: ChatCompletion, cuts: readonly number[] = [3, 7, 20]): ChatCompletionChunk[] {
  const choice = completion.choices[0];
  const base = { id: completion.id ?? 'id', model: 'deepseek-ai/deepseek-r1' };
  const chunks: ChatCompletionChunk[] = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant' } }] }];
  for (const field of STREAMED_FIELDS) {
    for (const piece of split(choice?.message[field] ?? '', cuts)) {
      chunks.push({ ...base, choices: [{ index: 0, delta: { [field]: piece }, finish_reason: null }] });
    }
  }
  chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: choice?.finish_reason ?? null }] });
  chunks.push({ ...base, choices: [], usage: completion.usage });
  return chunks;
}

function completion(message: ChatCompletionMessage, finishReason: string | null = 'stop'): ChatCompletion {
  return {
    id: 'c1',
    choices: [{ index: 0, message, finish_reason: finishReason }],
    usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 },
  };
}

async function* asAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

const EXAMPLES = {
  reasoning_content: completion({ reasoning_content: 'Think A.', content: '\n\nAnswer A' }),
  reasoning: completion({ reasoning: 'Think B.', content: 'Answer B' }),
  think_tags: completion({ content: '<think>\nThink C.\n</think>\n\nAnswer C' }),
  closing_think_only: completion({ content: 'Think D.\n</think>\n\nAnswer D' }),
  none: completion({ content: 'Answer E' }),
  truncated: completion({ content: '<think>\nThink F, cut' }, 'length'),
} as const;

describe('accumulateStream', () => {
  it('rebuilds message, finish reason, id, model and usage from the usage chunk', async () => {
    const source = EXAMPLES.reasoning_content;
    const result = await accumulateStream(toChunks(source));
    expect(result).toEqual({
      object: 'chat.completion',
      id: 'c1',
      model: 'deepseek-ai/deepseek-r1',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: '\n\nAnswer A', reasoning_content: 'Think A.' },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 },
    });
  });

  it('accepts async iterables', async () => {
    const result = await accumulateStream(asAsync(toChunks(EXAMPLES.reasoning)));
    expect(result.choices[0]?.message).toEqual({
      role: 'assistant',
      content: 'Answer B',
      reasoning: 'Think B.',
    });
  });

  for (const [name, source] of Object.entries(EXAMPLES)) {
    it(`extraction on the stream equals extraction on the completion: ${name}`, async () => {
      const streamed = extractReasoning(await accumulateStream(toChunks(source, [1, 2, 5, 8, 13])));
      expect(streamed).toEqual(extractReasoning(source));
      if (name !== 'truncated') expect(streamed.shape).toBe(name);
    });
  }

  it('ignores other choice indexes, null usage, and keeps the last non-null finish_reason', async () => {
    const chunks: ChatCompletionChunk[] = [
      { id: 'a', created: 1700, choices: [{ delta: { content: 'He' } }], usage: null },
      { id: 'b', choices: [{ index: 1, delta: { content: 'XX' }, finish_reason: 'length' }] },
      { choices: [{ index: 0, delta: { content: 'llo' }, finish_reason: 'stop' }], usage: null },
      { choices: [{ index: 0, delta: {}, finish_reason: null }] },
    ];
    const result = await accumulateStream(chunks);
    expect(result).toEqual({
      object: 'chat.completion',
      id: 'a',
      created: 1700,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
    });
  });

  it('marks a stream cut before any finish_reason with finish_reason null and content null', async () => {
    const result = await accumulateStream([]);
    expect(result.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: null }, finish_reason: null },
    ]);
    expect(result).not.toHaveProperty('usage');
  });

  it('property: any split of any message extracts the same as the whole message', async () => {
    const fragment = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('<think>', '</think>', '\n', ' ', '\n\n', '😀'),
    );
    const text = fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join(''));
    const field = fc.option(text, { nil: undefined });
    const message = fc.record({ reasoning_content: field, reasoning: field, content: field });
    await fc.assert(
      fc.asyncProperty(
        message,
        fc.constantFrom('stop', 'length', null),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (raw, finish, cuts) => {
          const msg: ChatCompletionMessage = {};
          for (const key of STREAMED_FIELDS) {
            const value = raw[key];
            if (value !== undefined) msg[key] = value;
          }
          const source = completion(msg, finish);
          const streamed = await accumulateStream(asAsync(toChunks(source, cuts)));
          expect(extractReasoning(streamed)).toEqual(extractReasoning(source));
          expect(streamed.usage).toEqual(source.usage);
        },
      ),
    );
  });
});
