import { describe, expect, it } from 'vitest';
import { rateGateKey } from './rate-gate-key';

describe('rateGateKey', () => {
  const nvidia = { baseURL: 'https://integrate.api.nvidia.com/v1', model: 'deepseek-ai/deepseek-r1' };

  it('names endpoint, model and a hash of the key — never the key itself', () => {
    const key = rateGateKey({ ...nvidia, apiKey: 'nvapi-secret-123' });
    expect(key).toMatch(
      /^https:\/\/integrate\.api\.nvidia\.com\/v1\|deepseek-ai\/deepseek-r1\|[0-9a-f]{16}$/,
    );
    expect(key).not.toContain('secret');
  });

  it('gives one gate to two spellings of one endpoint, and separate gates to separate keys', () => {
    const a = rateGateKey({ ...nvidia, apiKey: 'k1' });
    expect(rateGateKey({ ...nvidia, baseURL: 'HTTPS://Integrate.API.nvidia.com/v1/', apiKey: 'k1' })).toBe(a);
    expect(rateGateKey({ ...nvidia, apiKey: 'k2' })).not.toBe(a);
    expect(rateGateKey({ ...nvidia, model: 'other', apiKey: 'k1' })).not.toBe(a);
    expect(rateGateKey({ ...nvidia, apiKey: null })).toMatch(/\|-$/);
  });
});
