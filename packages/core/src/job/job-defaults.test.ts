import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors/thinkbatch-error';
import { JobDefaults, jobRequestDefaults, resolveJobDefaults } from './job-defaults';

describe('job defaults', () => {
  it('defaults to temperature 0.6 with the system prompt folded, and no top_p or max_tokens', () => {
    expect(resolveJobDefaults({ model: 'm' })).toEqual({
      model: 'm',
      temperature: 0.6,
      foldSystemPrompt: true,
    });
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
    const options = { model: 'm', top_p: 0.7, maxAttempts: 5, openaiBatchOutput: true };
    expect(JobDefaults.parse(options)).toEqual({
      model: 'm',
      temperature: 0.6,
      foldSystemPrompt: true,
      top_p: 0.7,
    });
  });

  it('throws ConfigurationError for unusable values', () => {
    expect(() => resolveJobDefaults({ model: 'm', temperature: 3 })).toThrow(ConfigurationError);
    expect(() => resolveJobDefaults({ model: 'm', max_tokens: 0 })).toThrow(
      /invalid job defaults:\n[\s\S]*→ at max_tokens/,
    );
    expect(() => resolveJobDefaults({ model: '' })).toThrow(/model/);
  });
});

describe('jobRequestDefaults', () => {
  it("takes the job's own options over the deployment's default model", () => {
    expect(jobRequestDefaults({}, 'deployment/model')).toEqual({
      model: 'deployment/model',
      temperature: 0.6,
      foldSystemPrompt: true,
    });
    expect(
      jobRequestDefaults({ model: 'job/model', temperature: 0.2, maxAttempts: 3, linesPerChunk: 9 }, 'd/m'),
    ).toEqual({ model: 'job/model', temperature: 0.2, foldSystemPrompt: true });
  });
});
