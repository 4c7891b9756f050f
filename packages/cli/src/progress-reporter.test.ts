import { PassThrough } from 'node:stream';
import type { RateGateSnapshot } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import {
  createProgressReporter,
  formatDuration,
  formatProgressLine,
  formatRateGate,
  rateAndEta,
} from './progress-reporter';

const snapshot = { status: 'running', done: 25, total: 100, failed: 2, tokens: 123456, elapsedMs: 10_000 };

describe('progress', () => {
  it('computes the rate so far and the time left at that rate', () => {
    expect(rateAndEta(snapshot)).toEqual({ rate: 2.5, etaMs: 30_000 });
    expect(rateAndEta({ ...snapshot, total: null }).etaMs).toBeNull();
    expect(rateAndEta({ ...snapshot, done: 0 })).toEqual({ rate: 0, etaMs: null });
  });

  it('formats durations for people', () => {
    expect(formatDuration(null)).toBe('?');
    expect(formatDuration(4_400)).toBe('4s');
    expect(formatDuration(125_000)).toBe('2m05s');
  });

  it('prints one plain line with counts, rate, tokens and ETA', () => {
    expect(formatProgressLine(snapshot)).toBe(
      'progress: running 25/100 lines (25%), 2 failed, 2.5 lines/s, 123,456 tokens, ETA 30s',
    );
    expect(formatProgressLine({ ...snapshot, total: null })).toContain('25/? lines, ');
  });

  it('writes plain lines at most every period when the stream is not a terminal', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    const chunks: string[] = [];
    (stream as unknown as PassThrough).on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const reporter = createProgressReporter(stream, { plainEveryMs: 5_000 });
    reporter.update({ ...snapshot, elapsedMs: 0 });
    reporter.update({ ...snapshot, done: 30, elapsedMs: 1_000 });
    reporter.update({ ...snapshot, done: 60, elapsedMs: 6_000 });
    reporter.stop();
    expect(chunks.join('').trim().split('\n')).toHaveLength(2);
  });

  it("shows the rate gate's allowance, calls in flight, 429s, waits and a pause", () => {
    const gate: RateGateSnapshot = {
      key: 'https://integrate.api.nvidia.com/v1|deepseek-ai/deepseek-r1|0123456789abcdef',
      at: 1_000_000,
      allowance: { requestsPerMinute: 39.2, inFlight: 101, tokensPerMinute: null },
      limits: { requestsPerMinute: 40, tokensPerMinute: null, maxInFlight: null },
      refusedAt: { requestsPerMinute: null, inFlight: null },
      inFlight: { leased: 30, inUse: 12 },
      leases: 2,
      pausedUntil: null,
      latencyMs: 60_000,
      tokensPerCall: 12_000,
      acceptedPerMinute: 38.5,
      counts: { granted: 120, succeeded: 110, rateLimited: 2, failed: 3, waits: 40 },
      waitedMs: 81_000,
      lastRateLimitedAt: 990_000,
    };
    expect(formatRateGate(gate)).toBe('gate 39.2 req/min, 12/101 in flight, 2 × 429, waited 1m21s');
    expect(formatRateGate({ ...gate, pausedUntil: 1_004_000 })).toContain(', paused 4s');
    expect(formatProgressLine({ ...snapshot, gate })).toBe(
      'progress: running 25/100 lines (25%), 2 failed, 2.5 lines/s, 123,456 tokens, ETA 30s | gate 39.2 req/min, 12/101 in flight, 2 × 429, waited 1m21s',
    );
    expect(formatProgressLine({ ...snapshot, gate: null })).toBe(formatProgressLine(snapshot));
  });
});
