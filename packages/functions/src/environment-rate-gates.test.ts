import { afterEach, describe, expect, it } from 'vitest';
import { depsFromEnvironment } from './environment';

// A file of its own: SST reads the linked resources once per process, and the worker's links include the key.
const LINKS = {
  App: { name: 'thinkbatch', stage: 'test' },
  InputBucket: { name: 'in-bucket' },
  OutputBucket: { name: 'out-bucket' },
  JobsTable: { name: 'jobs-table' },
  WorkQueue: { url: 'https://sqs.us-east-1.amazonaws.com/123/work' },
  NvidiaApiKey: { value: 'nvapi-secret' },
} as const;

describe('depsFromEnvironment, in the worker', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("gives the worker one rate gate per model on the endpoint and key, with the environment's limits", () => {
    for (const [name, value] of Object.entries(LINKS))
      process.env[`SST_RESOURCE_${name}`] = JSON.stringify(value);
    process.env['AWS_REGION'] = 'us-east-1';
    process.env['THINKBATCH_ENDPOINT'] = 'https://Example.com/v1/';
    process.env['THINKBATCH_RPM'] = '1200';
    process.env['THINKBATCH_MAX_IN_FLIGHT'] = 'auto';
    process.env['THINKBATCH_MAX_RATE_WAIT'] = '30';
    const deps = depsFromEnvironment();
    const gate = deps.rateGates.forModel('deepseek-ai/deepseek-r1');
    expect(gate.key).toMatch(/^https:\/\/example\.com\/v1\|deepseek-ai\/deepseek-r1\|[0-9a-f]{16}$/);
    expect(gate.key).not.toContain('nvapi-secret');
    expect(deps.rateGates.forModel('deepseek-ai/deepseek-r1')).toBe(gate);
    expect(deps.rateGates.forModel('other/model').key).not.toBe(gate.key);
    expect(deps.rateGates.settings).toMatchObject({
      requestsPerMinute: 1200,
      maxInFlight: null,
      tokensPerMinute: null,
      longestWaitMs: 30_000,
    });
  });
  it("starts an endpoint other than NVIDIA's with unknown limits, and NVIDIA's with its trial tier", () => {
    for (const [name, value] of Object.entries(LINKS))
      process.env[`SST_RESOURCE_${name}`] = JSON.stringify(value);
    process.env['AWS_REGION'] = 'us-east-1';
    process.env['THINKBATCH_ENDPOINT'] = 'https://api.other-provider.test/v1';
    expect(depsFromEnvironment().rateGates.settings).toMatchObject({
      requestsPerMinute: null,
      tokensPerMinute: null,
      maxInFlight: null,
    });
    delete process.env['THINKBATCH_ENDPOINT'];
    expect(depsFromEnvironment().rateGates.settings).toMatchObject({
      requestsPerMinute: 40,
      maxInFlight: null,
      windowMs: 60_000,
    });
  });
});
