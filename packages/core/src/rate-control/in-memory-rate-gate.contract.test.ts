import { describeRateGateContract } from '@thinkbatch/testing';
import type { RateGate } from '../ports/rate-gate';
import { createInMemoryRateGate } from './in-memory-rate-gate';

// One process: every holder of a key shares one gate object.
describeRateGateContract('in-memory', async () => {
  const gates = new Map<string, RateGate>();
  return ({ key, settings, clock }) => {
    const known = gates.get(key);
    if (known !== undefined) return known;
    const gate = createInMemoryRateGate({ key, settings, clock });
    gates.set(key, gate);
    return gate;
  };
});
