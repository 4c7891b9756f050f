import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors/thinkbatch-error';
import { ENDPOINT, FANOUT, WORKER } from '../settings';
import { defaultPipelineConfig, parsePipelineConfig } from './pipeline-config';

describe('parsePipelineConfig', () => {
  it('fills every default, from the shared settings where infra uses the same number', () => {
    expect(parsePipelineConfig()).toEqual(defaultPipelineConfig);
    expect(defaultPipelineConfig).toMatchObject({
      defaultModel: ENDPOINT.model,
      linesPerChunk: FANOUT.linesPerChunk,
      maxChunkBytes: FANOUT.maxChunkBytes,
      maxLineBytes: FANOUT.maxLineBytes,
      lineConcurrency: WORKER.lineConcurrency,
      linesAwaitingPermit: WORKER.linesAwaitingPermit,
      reserveMs: WORKER.reserveMs,
      retry: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000, retryAfterCapMs: 120_000 },
      attemptTimeoutMs: 600_000,
      prices: null,
    });
  });

  it('keeps what is given and fills the rest, the retry policy included', () => {
    const config = parsePipelineConfig({ defaultModel: 'm', retry: { maxAttempts: 2 }, lineConcurrency: 3 });
    expect(config).toMatchObject({
      defaultModel: 'm',
      lineConcurrency: 3,
      linesPerChunk: FANOUT.linesPerChunk,
    });
    expect(config.retry).toEqual({ ...defaultPipelineConfig.retry, maxAttempts: 2 });
  });

  it('treats an unset value as the default', () => {
    expect(parsePipelineConfig({ defaultModel: undefined }).defaultModel).toBe(ENDPOINT.model);
  });

  it('refuses unusable values and unknown keys with a ConfigurationError naming them', () => {
    expect(() => parsePipelineConfig({ lineConcurrency: 0 })).toThrow(ConfigurationError);
    expect(() => parsePipelineConfig({ linesPerChunk: 501 })).toThrow(/→ at linesPerChunk/);
    expect(() => parsePipelineConfig({ retry: { maxAttempts: 0 } })).toThrow(/→ at retry\.maxAttempts/);
    expect(() => parsePipelineConfig({ defaultModel: '' })).toThrow(/→ at defaultModel/);
    expect(() => parsePipelineConfig({ lineConcurency: 3 } as never)).toThrow(/lineConcurency/);
  });
});
