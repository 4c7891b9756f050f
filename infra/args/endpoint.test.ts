import { describe, expect, it } from 'vitest';
import { ENDPOINT } from '../../packages/core/src/settings';
import { ENDPOINT_ENV, endpointEnvironment, resolveEndpoint } from './endpoint';

describe('resolveEndpoint', () => {
  it('defaults to the shared ENDPOINT when nothing (or only blanks) is set', () => {
    expect(resolveEndpoint({})).toEqual(ENDPOINT);
    expect(resolveEndpoint({ THINKBATCH_ENDPOINT: '  ', THINKBATCH_MODEL: '' })).toEqual(ENDPOINT);
  });

  it('takes overrides from the deploying shell, trimmed', () => {
    expect(
      resolveEndpoint({
        THINKBATCH_ENDPOINT: ' http://127.0.0.1:8787/v1 ',
        THINKBATCH_MODEL: 'deepseek-reasoner\n',
      }),
    ).toEqual({ baseURL: 'http://127.0.0.1:8787/v1', model: 'deepseek-reasoner' });
  });

  it.each([
    ['integrate.api.nvidia.com/v1', 'is not a URL'],
    ['ftp://example.com/v1', 'must be an http(s) URL'],
    ['https://example.com/v1?key=secret', 'must not have a query or fragment'],
    ['https://example.com/v1#x', 'must not have a query or fragment'],
  ])('refuses %j (%s), naming the variable', (value, message) => {
    expect(() => resolveEndpoint({ THINKBATCH_ENDPOINT: value })).toThrow(`THINKBATCH_ENDPOINT ${message}`);
  });
});

describe('endpointEnvironment', () => {
  it('sets the variables the handlers read', () => {
    expect(ENDPOINT_ENV).toEqual({ baseURL: 'THINKBATCH_ENDPOINT', model: 'THINKBATCH_MODEL' });
    expect(endpointEnvironment({ baseURL: 'https://x/v1', model: 'm' })).toEqual({
      THINKBATCH_ENDPOINT: 'https://x/v1',
      THINKBATCH_MODEL: 'm',
    });
  });
});
