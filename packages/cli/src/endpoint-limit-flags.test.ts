import { describe, expect, it } from 'vitest';
import {
  ENDPOINT_LIMIT_FLAGS,
  ENDPOINT_LIMIT_OPTIONS,
  ENDPOINT_LIMITS_HELP,
  endpointLimitsFromFlags,
} from './endpoint-limit-flags';
import { UsageError } from './usage-error';

describe('the endpoint limit flags', () => {
  it('are parsed, listed in --help and named in errors under the same names', () => {
    const flags = Object.values(ENDPOINT_LIMIT_FLAGS);
    expect(Object.keys(ENDPOINT_LIMIT_OPTIONS).map((name) => `--${name}`)).toEqual(flags);
    // The benchmark passes a flag only when --help lists it.
    for (const flag of flags) expect(ENDPOINT_LIMITS_HELP).toContain(`  ${flag} `);
  });

  it('turn into the given limits only, per minute, seconds of waiting as ms', () => {
    expect(endpointLimitsFromFlags({})).toEqual({});
    expect(
      endpointLimitsFromFlags({
        rpm: '1200',
        tpm: 'auto',
        'max-in-flight': '8',
        'rate-window-ms': '1000',
        'max-rate-wait': '30',
        simulate: true,
      }),
    ).toEqual({
      requestsPerMinute: 1200,
      tokensPerMinute: null,
      maxInFlight: 8,
      windowMs: 1000,
      longestWaitMs: 30_000,
    });
  });

  it('refuse an unusable value with a UsageError naming the flag', () => {
    expect(() => endpointLimitsFromFlags({ 'rate-window-ms': 'auto' })).toThrow(UsageError);
    expect(() => endpointLimitsFromFlags({ 'rate-window-ms': 'auto' })).toThrow(
      /^--rate-window-ms must be a whole number/,
    );
  });
});
