import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors/thinkbatch-error';
import { NVIDIA_TRIAL_LIMITS, parseRateGateSettings } from './rate-gate-settings';

describe('rate gate settings', () => {
  it("defaults to NVIDIA's trial tier: 40 requests a minute, nothing else known", () => {
    const settings = parseRateGateSettings();
    expect(settings).toMatchObject(NVIDIA_TRIAL_LIMITS);
    expect(settings.longestWaitMs).toBe(600_000);
  });

  it('takes unknown limits as null and refuses values that cannot work', () => {
    expect(parseRateGateSettings({ requestsPerMinute: null }).requestsPerMinute).toBeNull();
    for (const bad of [
      { requestsPerMinute: 0 },
      { maxInFlight: 1.5 },
      { decrease: 1 },
      { windowMs: -1 },
      { rpm: 3 },
    ]) {
      expect(() => parseRateGateSettings(bad)).toThrow(ConfigurationError);
    }
  });
});
