import { afterEach, describe, expect, it } from 'vitest';
import { depsFromEnvironment } from './environment';

const LINKS = {
  InputBucket: { name: 'in-bucket' },
  OutputBucket: { name: 'out-bucket' },
  JobsTable: { name: 'jobs-table' },
  WorkQueue: { url: 'https://sqs.us-east-1.amazonaws.com/123/work' },
} as const;

describe('depsFromEnvironment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('builds only what a handler touches, so a function without the secret link still works', () => {
    process.env['SST_RESOURCE_App'] = JSON.stringify({ name: 'thinkbatch', stage: 'test' });
    for (const [name, value] of Object.entries(LINKS))
      process.env[`SST_RESOURCE_${name}`] = JSON.stringify(value);
    process.env['AWS_REGION'] = 'us-east-1';
    const deps = depsFromEnvironment();
    expect(deps.input.bucket).toBe('in-bucket');
    expect(deps.output.bucket).toBe('out-bucket');
    expect(deps.jobs).toBeDefined();
    expect(deps.queue).toBeDefined();
    expect(() => deps.model).toThrow(/NvidiaApiKey/);
    expect(() => deps.rateGates).toThrow(/NvidiaApiKey/);
  });

  it('refuses endpoint limits that cannot work, naming the variable', () => {
    process.env['THINKBATCH_RPM'] = 'plenty';
    expect(() => depsFromEnvironment()).toThrow('THINKBATCH_RPM must be a number or "auto"');
  });
});
