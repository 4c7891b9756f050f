import { describe, expect, it } from 'vitest';
import { answerForPrompt } from './prompt-answer';
import { promptKey } from './prompt-key';
import { fieldText, generateR1Response, type R1Request, type R1Style, REASONING_SHAPES } from './r1-response';

const request = (promptText: string, maxTokens: number | null = null): R1Request => ({
  promptText,
  promptKey: promptKey([{ role: 'user', content: promptText }]),
  maxTokens,
});
const style = (overrides: Partial<R1Style> = {}): R1Style => ({
  seed: 1,
  shape: 'reasoning_content',
  reasoningTokens: { median: 40, sigma: 0.5, min: 8, max: 400 },
  reportReasoningTokens: true,
  ...overrides,
});

describe('answerForPrompt', () => {
  it('computes simple arithmetic exactly, big integers included', () => {
    expect(answerForPrompt('What is 12+30?', 'k').value).toBe('42');
    expect(answerForPrompt('what is 7 * 6', 'k').value).toBe('42');
    expect(answerForPrompt('What is 5-9?', 'k').value).toBe('-4');
    expect(answerForPrompt('What is 9007199254740993+1?', 'k').value).toBe('9007199254740994');
  });

  it('falls back to the prompt hash and notices \\boxed', () => {
    expect(answerForPrompt('Tell me a story', 'abcdef0123456789')).toEqual({
      value: 'sim-abcdef01',
      boxed: false,
    });
    expect(answerForPrompt('What is 1+1? Put your final answer within \\boxed{}.', 'k').boxed).toBe(true);
  });
});

describe('generateR1Response', () => {
  it('is deterministic in seed and prompt, and varies with both', () => {
    const a = generateR1Response(request('Explain tides'), style());
    expect(generateR1Response(request('Explain tides'), style())).toEqual(a);
    expect(
      fieldText(generateR1Response(request('Explain tides'), style({ seed: 2 })), 'reasoning_content'),
    ).not.toBe(fieldText(a, 'reasoning_content'));
    expect(generateR1Response(request('Explain waves'), style()).answer.value).not.toBe(a.answer.value);
  });

  it('puts the answer in \\boxed{} when asked and ends the reasoning on it', () => {
    const response = generateR1Response(
      request('What is 2+3? Put your final answer within \\boxed{}.'),
      style(),
    );
    expect(fieldText(response, 'content')).toBe('**Final Answer**\n\nThe answer is \\boxed{5}.');
    expect(fieldText(response, 'reasoning_content')).toMatch(
      /^Okay, so the question is: .*So the answer should be 5\.$/,
    );
    expect(response.finishReason).toBe('stop');
  });

  it.each(REASONING_SHAPES)('lays out the %s shape', (shape) => {
    const response = generateR1Response(request('What is 1+1?'), style({ shape }));
    const reasoning =
      fieldText(generateR1Response(request('What is 1+1?'), style()), 'reasoning_content') ?? '';
    const answer = 'The answer is 2.';
    const expected = {
      reasoning_content: { reasoning_content: reasoning, reasoning: null, content: answer },
      reasoning: { reasoning_content: null, reasoning, content: answer },
      think_tags: {
        reasoning_content: null,
        reasoning: null,
        content: `<think>\n${reasoning}\n</think>\n\n${answer}`,
      },
      closing_think_only: {
        reasoning_content: null,
        reasoning: null,
        content: `${reasoning}\n</think>\n\n${answer}`,
      },
    }[shape];
    expect({
      reasoning_content: fieldText(response, 'reasoning_content'),
      reasoning: fieldText(response, 'reasoning'),
      content: fieldText(response, 'content'),
    }).toEqual(expected);
  });

  it('reports usage as ceil(chars / 4), reasoning tokens included in completion tokens', () => {
    const response = generateR1Response(request('What is 1+1?'), style());
    const reasoning = fieldText(response, 'reasoning_content') ?? '';
    const content = fieldText(response, 'content') ?? '';
    expect(response.usage).toEqual({
      prompt_tokens: Math.ceil('What is 1+1?'.length / 4),
      completion_tokens: Math.ceil((reasoning.length + content.length) / 4),
      total_tokens: Math.ceil('What is 1+1?'.length / 4) + Math.ceil((reasoning.length + content.length) / 4),
      completion_tokens_details: { reasoning_tokens: Math.ceil(reasoning.length / 4) },
    });
  });

  it('leaves completion_tokens_details out when reasoning tokens are not reported', () => {
    const response = generateR1Response(request('What is 1+1?'), style({ reportReasoningTokens: false }));
    expect(Object.keys(response.usage).sort()).toEqual([
      'completion_tokens',
      'prompt_tokens',
      'total_tokens',
    ]);
  });

  it('draws reasoning lengths from the distribution, clamped to [min, max]', () => {
    const lengths = Array.from({ length: 200 }, (_, i) =>
      generateR1Response(
        request(`prompt ${i}`),
        style({ reasoningTokens: { median: 100, sigma: 1, min: 50, max: 150 } }),
      ),
    ).map((r) => r.usage.completion_tokens_details?.reasoning_tokens ?? 0);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(50);
    // whole sentences: a little over max at most
    expect(Math.max(...lengths)).toBeLessThanOrEqual(170);
    expect(new Set(lengths).size).toBeGreaterThan(20);
  });

  it('cuts at max_tokens inside the reasoning: empty content, finish_reason length', () => {
    const response = generateR1Response(request('What is 1+1?', 5), style());
    expect(fieldText(response, 'reasoning_content')).toBe('Okay, so the question'.slice(0, 20));
    expect(fieldText(response, 'content')).toBe('');
    expect(response.finishReason).toBe('length');
    expect(response.usage.completion_tokens).toBe(5);
    expect(response.usage.completion_tokens_details?.reasoning_tokens).toBe(5);
  });

  it('cuts think tags mid-thought: an opening tag and no closing one', () => {
    const response = generateR1Response(request('What is 1+1?', 10), style({ shape: 'think_tags' }));
    const content = fieldText(response, 'content') ?? '';
    expect(content.startsWith('<think>\n')).toBe(true);
    expect(content).not.toContain('</think>');
    expect(content).toHaveLength(40);
    expect(response.finishReason).toBe('length');
  });

  it('cuts inside the answer after a full chain of thought', () => {
    const full = generateR1Response(request('What is 1+1?'), style());
    const max = full.usage.completion_tokens - 2;
    const cut = generateR1Response(request('What is 1+1?', max), style());
    expect(fieldText(cut, 'reasoning_content')).toBe(fieldText(full, 'reasoning_content'));
    expect((fieldText(full, 'content') ?? '').startsWith(fieldText(cut, 'content') ?? 'x')).toBe(true);
    expect(cut.finishReason).toBe('length');
    expect(cut.usage.completion_tokens).toBe(max);
  });
});
