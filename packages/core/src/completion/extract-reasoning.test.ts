import { describe, expect, it } from 'vitest';
import type { ChatCompletion, ChatCompletionMessage } from './chat-completion';
import { extractReasoning } from './extract-reasoning';

function completion(message: ChatCompletionMessage, finishReason: string | null = 'stop'): ChatCompletion {
  return { id: 'c1', choices: [{ index: 0, message, finish_reason: finishReason }] };
}

describe('extractReasoning', () => {
  it('reads reasoning_content beside content (DeepSeek, NVIDIA) and trims the answer start', () => {
    expect(
      extractReasoning(completion({ reasoning_content: 'Let me think.', content: '\n\nThe answer is 4.' })),
    ).toEqual({
      reasoning: 'Let me think.',
      answer: 'The answer is 4.',
      finishReason: 'stop',
      shape: 'reasoning_content',
    });
  });

  it('reads vLLM reasoning', () => {
    expect(extractReasoning(completion({ reasoning: 'Hmm.', content: '4' }))).toEqual({
      reasoning: 'Hmm.',
      answer: '4',
      finishReason: 'stop',
      shape: 'reasoning',
    });
  });

  it('prefers reasoning_content over reasoning when both are set', () => {
    const result = extractReasoning(completion({ reasoning_content: 'A', reasoning: 'B', content: 'x' }));
    expect(result.reasoning).toBe('A');
    expect(result.shape).toBe('reasoning_content');
  });

  it('splits inline <think> tags at the start of content, allowing leading whitespace', () => {
    expect(
      extractReasoning(completion({ content: '  \n<think>\nStep 1.\nStep 2.\n</think>\n\n\\boxed{4}\n' })),
    ).toEqual({
      reasoning: 'Step 1.\nStep 2.',
      answer: '\\boxed{4}\n',
      finishReason: 'stop',
      shape: 'think_tags',
    });
  });

  it('splits content with only a closing </think> (opening tag was in the prompt)', () => {
    expect(extractReasoning(completion({ content: 'I reason here.\n</think>\n\nAnswer.' }))).toEqual({
      reasoning: 'I reason here.',
      answer: 'Answer.',
      finishReason: 'stop',
      shape: 'closing_think_only',
    });
  });

  it('keeps only the first closing tag as the split point, so an answer may quote </think>', () => {
    const result = extractReasoning(completion({ content: 'r</think>The tag </think> ends thinking.' }));
    expect(result).toMatchObject({ reasoning: 'r', answer: 'The tag </think> ends thinking.' });
  });

  it('treats an unclosed <think> (truncated by max_tokens) as all reasoning, no answer', () => {
    expect(extractReasoning(completion({ content: '<think>\nStill thinking about' }, 'length'))).toEqual({
      reasoning: 'Still thinking about',
      answer: null,
      finishReason: 'length',
      shape: 'think_tags',
    });
  });

  it('prefers the field and strips a stray leading think block from the answer', () => {
    expect(
      extractReasoning(
        completion({ reasoning_content: 'field', content: '<think>leaked</think>\n\nAnswer' }),
      ),
    ).toMatchObject({ reasoning: 'field', answer: 'Answer', shape: 'reasoning_content' });
    expect(
      extractReasoning(completion({ reasoning: 'field', content: '\n</think>\n\nAnswer' })),
    ).toMatchObject({
      reasoning: 'field',
      answer: 'Answer',
      shape: 'reasoning',
    });
    expect(
      extractReasoning(completion({ reasoning_content: 'field', content: '<think>cut' }, 'length')),
    ).toMatchObject({ reasoning: 'field', answer: null });
  });

  it('leaves think tags in the middle of a field-shape answer alone', () => {
    const content = 'Use <think>…</think> to mark reasoning.';
    expect(extractReasoning(completion({ reasoning_content: 'r', content })).answer).toBe(content);
  });

  it('returns shape none with the whole content as answer when there is no reasoning', () => {
    expect(extractReasoning(completion({ content: 'Just an answer with <think> in it' }))).toEqual({
      reasoning: null,
      answer: 'Just an answer with <think> in it',
      finishReason: 'stop',
      shape: 'none',
    });
  });

  it('turns empty or blank strings into null and falls through empty fields to the tags', () => {
    expect(extractReasoning(completion({ reasoning_content: '', content: '' }, null))).toEqual({
      reasoning: null,
      answer: null,
      finishReason: null,
      shape: 'none',
    });
    expect(
      extractReasoning(
        completion({ reasoning_content: '  ', reasoning: null, content: '<think>t</think>a' }),
      ),
    ).toMatchObject({ reasoning: 't', answer: 'a', shape: 'think_tags' });
    expect(extractReasoning(completion({ content: '<think>\n\n</think>\n\nOnly answer' }))).toMatchObject({
      reasoning: null,
      answer: 'Only answer',
      shape: 'think_tags',
    });
    expect(extractReasoning(completion({ reasoning_content: 'r', content: null }))).toMatchObject({
      reasoning: 'r',
      answer: null,
    });
  });

  it('uses choice 0 only', () => {
    const c: ChatCompletion = {
      choices: [
        { index: 0, message: { content: 'first' }, finish_reason: 'stop' },
        { index: 1, message: { reasoning_content: 'other', content: 'second' }, finish_reason: 'length' },
      ],
    };
    expect(extractReasoning(c)).toEqual({
      reasoning: null,
      answer: 'first',
      finishReason: 'stop',
      shape: 'none',
    });
  });
});
