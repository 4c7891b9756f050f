import { describe, expect, it } from 'vitest';
import { ENDPOINT } from '../settings';
import { endpointDefaultLimits, isNvidiaEndpoint, resolveEndpointLimits } from './endpoint-defaults';

describe('endpoint default limits', () => {
  it("gives NVIDIA's endpoint its documented trial limits", () => {
    expect(isNvidiaEndpoint(ENDPOINT.baseURL)).toBe(true);
    expect(isNvidiaEndpoint('https://INTEGRATE.api.nvidia.com/v1/')).toBe(true);
    expect(resolveEndpointLimits(ENDPOINT.baseURL, {})).toMatchObject({
      requestsPerMinute: 40,
      tokensPerMinute: null,
      maxInFlight: null,
      windowMs: 60_000,
    });
  });

  it('gives any other endpoint unknown limits, found adaptively, not NVIDIA’s 40 requests/min', () => {
    for (const baseURL of [
      'http://127.0.0.1:8000/v1',
      'https://api.deepseek.com',
      'https://integrate.api.nvidia.com.example.org/v1',
      'not a url',
    ]) {
      expect(isNvidiaEndpoint(baseURL), baseURL).toBe(false);
      expect(resolveEndpointLimits(baseURL, {}), baseURL).toMatchObject({
        requestsPerMinute: null,
        tokensPerMinute: null,
        maxInFlight: null,
        windowMs: 60_000,
      });
    }
  });

  it('keeps every limit the user gave, on either kind of endpoint', () => {
    const given = { requestsPerMinute: 1_200, maxInFlight: 8, windowMs: 1_000 };
    expect(resolveEndpointLimits('http://127.0.0.1:8000/v1', given)).toMatchObject(given);
    expect(resolveEndpointLimits(ENDPOINT.baseURL, { requestsPerMinute: null })).toMatchObject({
      requestsPerMinute: null,
    });
    expect(endpointDefaultLimits(ENDPOINT.baseURL)).not.toBe(endpointDefaultLimits('http://x.test'));
  });
});
