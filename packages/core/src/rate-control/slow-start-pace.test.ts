import {
  createSimulatedEndpoint,
  createVirtualClock,
  phaseFigures,
  runGateSimulation,
  seededRandom,
} from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { createInMemoryRateGate } from './in-memory-rate-gate';
import type { RateGateSettings } from './rate-gate-settings';

/** Saturated demand on an unknown limit counted over a provider's 60 s window, with fast answers. */
async function fastEndpointBehindMinuteWindow(limitPerMinute: number, seconds: number) {
  const clock = createVirtualClock();
  const settings: Partial<RateGateSettings> = {
    requestsPerMinute: null,
    maxInFlight: null,
    windowMs: 60_000,
  };
  const gate = createInMemoryRateGate({ key: 'fast', clock, settings });
  const endpoint = createSimulatedEndpoint({
    clock,
    random: seededRandom(3),
    limits: { requestsPerWindow: limitPerMinute, maxInFlight: null, windowMs: 60_000 },
    medianLatencyMs: 50,
  });
  return runGateSimulation({
    clock,
    gateFor: () => gate,
    endpoint,
    workers: 2,
    linesPerWorker: 16,
    durationMs: seconds * 1000,
  });
}

describe('slow start follows the latency, not only the provider window', () => {
  it('over 50 ms answers and a 60 s window, finds an unknown limit within minutes and then holds ≥ 90 % of it', async () => {
    for (const limit of [3_000, 600]) {
      const result = await fastEndpointBehindMinuteWindow(limit, 300);
      // Rounds of one window would still be near 20 × 1.5⁴ req/min after five minutes.
      const steady = phaseFigures(result, 180_000, 300_000);
      expect(steady.succeededPerSecond * 60, JSON.stringify(steady)).toBeGreaterThanOrEqual(0.9 * limit);
      expect(steady.refusedShare, JSON.stringify(steady)).toBeLessThanOrEqual(0.02);
      expect(result.gaveUp).toBe(0);
    }
    // Ten minutes of virtual time at 50 ms answers: ~5 s of CPU alone, more on a loaded machine.
  }, 60_000);
});
