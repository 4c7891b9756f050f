import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../packages/core/src/errors/thinkbatch-error';
import { endpointLimitsFromEnv } from '../../packages/core/src/rate-control/endpoint-limits';
import { ENDPOINT } from '../../packages/core/src/settings';
import { depsFromEnvironment } from '../../packages/functions/src/environment';
import { endpointEnvironment, resolveEndpoint } from './endpoint';

describe('resolveEndpoint', () => {
  it('defaults to the shared ENDPOINT when nothing (or only blanks) is set', () => {
    expect(resolveEndpoint({})).toEqual({ ...ENDPOINT, limits: {} });
    expect(resolveEndpoint({ THINKBATCH_ENDPOINT: '  ', THINKBATCH_MODEL: '' })).toEqual({
      ...ENDPOINT,
      limits: {},
    });
  });

  it('takes overrides from the deploying shell, trimmed', () => {
    expect(
      resolveEndpoint({
        THINKBATCH_ENDPOINT: ' http://127.0.0.1:8787/v1 ',
        THINKBATCH_MODEL: 'deepseek-reasoner\n',
      }),
    ).toEqual({ baseURL: 'http://127.0.0.1:8787/v1', model: 'deepseek-reasoner', limits: {} });
  });

  it("passes the endpoint's limits through, trimmed, and only those set", () => {
    expect(
      resolveEndpoint({ THINKBATCH_RPM: ' 1200 ', THINKBATCH_MAX_IN_FLIGHT: 'AUTO', THINKBATCH_TPM: '' })
        .limits,
    ).toEqual({ THINKBATCH_RPM: '1200', THINKBATCH_MAX_IN_FLIGHT: 'auto' });
  });

  // Every value the deploy accepts, the worker accepts too, and the other way round.
  it.each([
    ['THINKBATCH_RPM', '40'],
    ['THINKBATCH_RPM', '0.5'],
    ['THINKBATCH_RPM', 'auto'],
    ['THINKBATCH_RPM', '0'],
    ['THINKBATCH_RPM', '-3'],
    ['THINKBATCH_RPM', 'fast'],
    ['THINKBATCH_TPM', '80000'],
    ['THINKBATCH_MAX_IN_FLIGHT', '8'],
    ['THINKBATCH_MAX_IN_FLIGHT', '2.5'],
    ['THINKBATCH_RATE_WINDOW_MS', '1000'],
    ['THINKBATCH_RATE_WINDOW_MS', 'auto'],
    ['THINKBATCH_MAX_RATE_WAIT', '90.5'],
    ['THINKBATCH_MAX_RATE_WAIT', 'auto'],
  ])('agrees with the worker on %s=%s', (name, value) => {
    const deployAccepts = (): unknown => resolveEndpoint({ [name]: value });
    const workerAccepts = (): unknown => endpointLimitsFromEnv({ [name]: value });
    let workerOk = true;
    try {
      workerAccepts();
    } catch {
      workerOk = false;
    }
    if (workerOk) expect(deployAccepts).not.toThrow();
    else {
      expect(deployAccepts).toThrow(ConfigurationError);
      expect(deployAccepts).toThrow(name);
    }
  });

  it.each([
    ['https://evil.example/v1', 'host "evil.example" is not allowed'],
    ['https://integrate.api.nvidia.com.evil.example/v1', 'is not allowed'],
    ['http://integrate.api.nvidia.com/v1', 'must be https'],
    ['https://user:pass@integrate.api.nvidia.com/v1', 'must not carry credentials'],
  ])('refuses %j unless allowed on purpose (%s)', (value, message) => {
    expect(() => resolveEndpoint({ THINKBATCH_ENDPOINT: value })).toThrow(message);
  });

  it('allows a host the deploying shell names in THINKBATCH_ENDPOINT_ALLOW, and loopback over http', () => {
    expect(
      resolveEndpoint({
        THINKBATCH_ENDPOINT: 'https://LLM.example.com/v1',
        THINKBATCH_ENDPOINT_ALLOW: ' other.example, llm.example.com ',
      }).baseURL,
    ).toBe('https://LLM.example.com/v1');
    expect(resolveEndpoint({ THINKBATCH_ENDPOINT: 'https://api.deepseek.com/v1' }).baseURL).toBe(
      'https://api.deepseek.com/v1',
    );
    expect(resolveEndpoint({ THINKBATCH_ENDPOINT: 'http://localhost:8787/v1' }).baseURL).toBe(
      'http://localhost:8787/v1',
    );
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
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('is what the deployed handlers read: the worker calls that endpoint with that model by default', async () => {
    const seen: { path: string | undefined; model: unknown }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        seen.push({ path: request.url, model: (JSON.parse(body) as { model?: unknown }).model });
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"no"}}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const config = {
        baseURL: `http://127.0.0.1:${port}/v1`,
        model: 'some-org/some-model',
        limits: { THINKBATCH_RPM: '600', THINKBATCH_MAX_RATE_WAIT: '30' },
      };
      // What SST sets on a deployed function: the links (Resource.X) and this environment.
      Object.assign(process.env, endpointEnvironment(config), {
        SST_RESOURCE_App: JSON.stringify({ name: 'thinkbatch', stage: 'test' }),
        SST_RESOURCE_NvidiaApiKey: JSON.stringify({ value: 'k' }),
        AWS_REGION: 'us-east-1',
      });
      const deps = depsFromEnvironment();
      expect(deps.config.defaultModel).toBe(config.model);
      expect(deps.rateGates.settings).toMatchObject({ requestsPerMinute: 600, longestWaitMs: 30_000 });
      const body = { model: deps.config.defaultModel, messages: [{ role: 'user' as const, content: 'hi' }] };
      const result = await deps.model.complete(body, { timeoutMs: 10_000 });
      expect(result.kind).toBe('failed');
      expect(seen).toEqual([{ path: '/v1/chat/completions', model: config.model }]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
