import { describe, expect, it } from 'vitest';
import { estimateTokens, normalizeUsage } from './normalize-usage';
import { LineUsage } from './usage';

describe('normalizeUsage', () => {
  it('reads every reported count (OpenAI-style details)', () => {
    const usage = normalizeUsage(
      {
        prompt_tokens: 20,
        completion_tokens: 500,
        total_tokens: 520,
        completion_tokens_details: { reasoning_tokens: 450 },
        prompt_tokens_details: { cached_tokens: 16 },
      },
      'some reasoning',
    );
    expect(usage).toEqual({
      prompt_tokens: 20,
      completion_tokens: 500,
      total_tokens: 520,
      reasoning_tokens: 450,
      cached_prompt_tokens: 16,
      estimated_reasoning_tokens: null,
    });
    expect(LineUsage.parse(usage)).toEqual(usage);
  });

  it("reads DeepSeek's prompt_cache_hit_tokens, preferring prompt_tokens_details.cached_tokens", () => {
    const deepseek = {
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_cache_hit_tokens: 8,
    };
    expect(normalizeUsage(deepseek, null)?.cached_prompt_tokens).toBe(8);
    expect(
      normalizeUsage({ ...deepseek, prompt_tokens_details: { cached_tokens: 7 } }, null)
        ?.cached_prompt_tokens,
    ).toBe(7);
    expect(
      normalizeUsage({ ...deepseek, prompt_tokens_details: { cached_tokens: null } }, null)
        ?.cached_prompt_tokens,
    ).toBe(8);
  });

  it('returns null when there is no usage object', () => {
    for (const raw of [undefined, null, 42, 'usage', [], true]) expect(normalizeUsage(raw, 'r')).toBeNull();
  });

  it('marks missing, non-integer, negative and non-number counts unknown (null), never 0', () => {
    expect(
      normalizeUsage(
        {
          prompt_tokens: '12',
          completion_tokens: 3.5,
          total_tokens: -1,
          completion_tokens_details: null,
          prompt_tokens_details: 'x',
          prompt_cache_hit_tokens: Number.NaN,
        },
        null,
      ),
    ).toEqual({
      prompt_tokens: null,
      completion_tokens: null,
      total_tokens: null,
      reasoning_tokens: null,
      cached_prompt_tokens: null,
      estimated_reasoning_tokens: null,
    });
    expect(normalizeUsage({ prompt_tokens: 0 }, null)?.prompt_tokens).toBe(0);
    expect(normalizeUsage({ prompt_tokens: Number.MAX_SAFE_INTEGER + 1 }, null)?.prompt_tokens).toBeNull();
  });

  it('does not invent total_tokens from prompt + completion', () => {
    expect(normalizeUsage({ prompt_tokens: 1, completion_tokens: 2 }, null)?.total_tokens).toBeNull();
  });

  it('estimates reasoning tokens only when they were not reported and there is reasoning text', () => {
    const text = 'a'.repeat(100); // 100 ASCII chars ≈ 30 tokens
    expect(normalizeUsage({ completion_tokens: 500 }, text)?.estimated_reasoning_tokens).toBe(30);
    expect(normalizeUsage({}, text)?.estimated_reasoning_tokens).toBe(30);
    expect(normalizeUsage({ completion_tokens: 12 }, text)?.estimated_reasoning_tokens).toBe(12);
    expect(normalizeUsage({ completion_tokens: 500 }, '')?.estimated_reasoning_tokens).toBeNull();
    expect(normalizeUsage({ completion_tokens: 500 }, null)?.estimated_reasoning_tokens).toBeNull();
    const reported = { completion_tokens: 500, completion_tokens_details: { reasoning_tokens: 0 } };
    expect(normalizeUsage(reported, text)).toMatchObject({
      reasoning_tokens: 0,
      estimated_reasoning_tokens: null,
    });
  });
});

describe('estimateTokens', () => {
  it('counts 0.3 per ASCII and 0.6 per other code point, rounded up', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('a')).toBe(1);
    expect(estimateTokens('abcdefghij')).toBe(3);
    expect(estimateTokens('推理推理推理推理推理')).toBe(6);
    expect(estimateTokens('😀')).toBe(1); // one code point, not two UTF-16 units
    expect(estimateTokens('abcde推理')).toBe(3); // 1.5 + 1.2 = 2.7
  });
});
