import { describe, expect, it } from 'vitest';
import { REALISTIC_R1_OPTIONS } from '../simulator-options';
import { CLI_HELP, DEFAULT_CLI_PORT, parseCliArgs } from './cli-args';

describe('parseCliArgs', () => {
  it('defaults to port 8787 and nothing else', () => {
    expect(parseCliArgs([])).toEqual({ kind: 'run', options: { port: DEFAULT_CLI_PORT } });
  });

  it('maps every flag to its option', () => {
    const command = parseCliArgs([
      '--port=0',
      '--seed',
      '5',
      '--api-key',
      'k',
      '--model',
      'a',
      '--model',
      'b',
      '--shape',
      'think_tags',
      '--reasoning-median',
      '90',
      '--latency-median-ms',
      '20',
      '--latency-sigma',
      '0.3',
      '--tokens-per-second',
      '40',
      '--time-scale',
      '0.5',
      '--concurrency',
      '3',
      '--rpm',
      '40',
      '--tpm',
      '90000',
      '--rate-window-ms',
      '1000',
      '--limit-step',
      '20000:rpm=400',
      '--limit-step',
      '40000:rpm=1200,tpm=unlimited,concurrency=8',
      '--retry-after',
      'milliseconds',
      '--slow-headers-ms',
      '700',
      '--fault-500',
      '0.1',
      '--fault-503',
      '0.05',
      '--fault-reset',
      '0.01',
      '--fault-slow-headers',
      '0.02',
      '--hide-reasoning-tokens',
      '--fault-truncated',
      '0.03',
      '--fault-non-json',
      '0.04',
      '--fault-missing-usage',
      '0.06',
    ]);
    expect(command).toEqual({
      kind: 'run',
      options: {
        port: 0,
        seed: 5,
        apiKey: 'k',
        models: ['a', 'b'],
        shape: 'think_tags',
        reasoningTokens: { median: 90, sigma: 0.5, min: 8, max: 400 },
        latency: { kind: 'lognormal', medianMs: 20, sigma: 0.3 },
        tokensPerSecond: 40,
        timeScale: 0.5,
        maxConcurrency: 3,
        requestsPerMinute: 40,
        tokensPerMinute: 90_000,
        rateWindowMs: 1000,
        limitSchedule: [
          { atMs: 20_000, requestsPerMinute: 400 },
          { atMs: 40_000, requestsPerMinute: 1200, tokensPerMinute: null, maxConcurrency: 8 },
        ],
        retryAfterFormat: 'milliseconds',
        slowHeadersMs: 700,
        reportReasoningTokens: false,
        faultRates: {
          http500: 0.1,
          http503: 0.05,
          connectionReset: 0.01,
          slowHeaders: 0.02,
          truncatedBody: 0.03,
          nonJsonBody: 0.04,
          missingUsage: 0.06,
        },
      },
    });
  });

  it('takes --realistic as a base that other flags refine', () => {
    const command = parseCliArgs(['--realistic', '--latency-ms', '5', '--reasoning-median', '100']);
    expect(command).toEqual({
      kind: 'run',
      options: {
        ...REALISTIC_R1_OPTIONS,
        port: DEFAULT_CLI_PORT,
        latency: { kind: 'fixed', ms: 5 },
        reasoningTokens: { ...REALISTIC_R1_OPTIONS.reasoningTokens, median: 100 },
      },
    });
  });

  it('explains bad input', () => {
    expect(parseCliArgs(['--rpm', 'many'])).toEqual({
      kind: 'error',
      message: '--rpm needs a number, got "many"',
    });
    expect(parseCliArgs(['--shape', 'xml'])).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/--shape must be one of reasoning_content/),
    });
    expect(parseCliArgs(['--retry-after', 'hours'])).toMatchObject({ kind: 'error' });
    for (const step of [
      'rpm=4',
      '1000:rpm',
      '1000:qps=4',
      '1000:toString=4',
      '1000:rpm=many',
      'x:rpm=4',
      '1:2:rpm=4',
    ]) {
      expect(parseCliArgs(['--limit-step', step])).toEqual({
        kind: 'error',
        message: expect.stringContaining(`--limit-step needs <atMs>:<limit>=<n|unlimited>`),
      });
    }
    expect(parseCliArgs(['--bogus'])).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/bogus/),
    });
  });

  it('shows help that documents every flag', () => {
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
    for (const flag of [
      '--port',
      '--rpm',
      '--tpm',
      '--rate-window-ms',
      '--limit-step',
      '--tokens-per-second',
      '/_stats',
      '--concurrency',
      '--fault-reset',
      '--shape',
      '--retry-after',
      '--api-key',
    ]) {
      expect(CLI_HELP).toContain(flag);
    }
  });
});
