import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors/thinkbatch-error';
import { DEFAULT_JOB_DEFAULTS, JobDefaults, resolveJobDefaults } from './job-defaults';

describe('job defaults', () => {
  it('defaults to R1 at temperature 0.6 with the system prompt folded, and no top_p or max_tokens', () => {
    expect(DEFAULT_JOB_DEFAULTS).toEqual({
      model: 'deepseek-ai/deepseek-r1',
      temperature: 0.6,
      foldSystemPrompt: true,
    });
    expect(resolveJobDefaults()).toEqual(DEFAULT_JOB_DEFAULTS);
    expect(Object.isFrozen(DEFAULT_JOB_DEFAULTS)).toBe(true);
  });

  it('keeps what is given and fills the rest', () => {
    expect(
      resolveJobDefaults({ model: 'm', max_tokens: 4096, foldSystemPrompt: false, temperature: 0 }),
    ).toEqual({
      model: 'm',
      temperature: 0,
      max_tokens: 4096,
      foldSystemPrompt: false,
    });
  });

  it('accepts a whole options object and strips the keys it does not know', () => {
    const options = { top_p: 0.7, maxAttempts: 5, openaiBatchOutput: true };
    expect(JobDefaults.parse(options)).toEqual({ ...DEFAULT_JOB_DEFAULTS, top_p: 0.7 });
  });

  it('throws ConfigurationError for unusable values', () => {
    expect(() => resolveJobDefaults({ temperature: 3 })).toThrow(ConfigurationError);
    expect(() => resolveJobDefaults({ max_tokens: 0 })).toThrow(
      /invalid job defaults:\n[\s\S]*→ at max_tokens/,
    );
    expect(() => resolveJobDefaults({ model: '' })).toThrow(/model/);
  });
});
