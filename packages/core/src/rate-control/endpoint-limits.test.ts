import { ENDPOINT_LIMIT_FLAG_NAMES } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors/thinkbatch-error';
import { ENDPOINT_LIMITS_ENV } from '../settings';
import { endpointLimitsFromEnv, parseEndpointLimits } from './endpoint-limits';

const FLAGS = ENDPOINT_LIMIT_FLAG_NAMES;

describe('parseEndpointLimits', () => {
  it('returns only the limits given, numbers as numbers, auto as unknown (null), seconds as ms', () => {
    expect(parseEndpointLimits({}, FLAGS)).toEqual({});
    expect(
      parseEndpointLimits(
        {
          requestsPerMinute: ' 1200 ',
          tokensPerMinute: 'AUTO',
          maxInFlight: '8',
          windowMs: '1000',
          longestWaitSeconds: '2.5',
        },
        FLAGS,
      ),
    ).toEqual({
      requestsPerMinute: 1200,
      tokensPerMinute: null,
      maxInFlight: 8,
      windowMs: 1000,
      longestWaitMs: 2500,
    });
    expect(parseEndpointLimits({ requestsPerMinute: '', maxInFlight: undefined }, FLAGS)).toEqual({});
  });

  it.each([
    [{ requestsPerMinute: 'fast' }, '--rpm must be a number or "auto", got "fast"'],
    [{ requestsPerMinute: '0' }, '--rpm must be more than 0, got "0"'],
    [{ maxInFlight: '2.5' }, '--max-in-flight must be a number or "auto"'],
    [{ windowMs: 'auto' }, '--rate-window-ms must be a whole number'],
    [{ longestWaitSeconds: '-1' }, '--max-rate-wait must be a number'],
  ])('refuses %j, naming where it came from', (text, message) => {
    expect(() => parseEndpointLimits(text, FLAGS)).toThrow(ConfigurationError);
    expect(() => parseEndpointLimits(text, FLAGS)).toThrow(message);
  });

  it('reads the environment variables ENDPOINT_LIMITS_ENV names', () => {
    expect(
      endpointLimitsFromEnv({ [ENDPOINT_LIMITS_ENV.requestsPerMinute]: 'auto', THINKBATCH_MODEL: 'x' }),
    ).toEqual({ requestsPerMinute: null });
    expect(() => endpointLimitsFromEnv({ [ENDPOINT_LIMITS_ENV.tokensPerMinute]: 'lots' })).toThrow(
      'THINKBATCH_TPM must be a number or "auto"',
    );
  });
});
