import { randomUUID } from 'node:crypto';
import type { ApiClient } from '@thinkbatch/api/client';
import { API_TOKEN_ENV, type ServeHandle, startServe } from '@thinkbatch/cli';
import { LOCAL_SIMULATOR_LIMITS } from '@thinkbatch/core';
import { type RunningSimulator, type SimulatorOptions, startSimulator } from '@thinkbatch/simulator';
import { afterAll, beforeAll } from 'vitest';
import { createDocumentClient } from './document-client';

/** `thinkbatch serve` running in this process against a simulator the test configures. */
export interface ServeFixture {
  readonly handle: ServeHandle;
  readonly simulator: RunningSimulator;
  /** The client with the token, checking every response against the document. */
  readonly client: ApiClient;
  /** What `serve` printed. */
  readonly printed: string;
  /** The API's base URL. */
  readonly url: string;
  readonly token: string;
}

/**
 * Start, before the file's tests, the simulated endpoint (with `simulator` options) and `serve` (with
 * `env` beside the token) on a free port against it — the embedded runtime (emulators, handlers) with the API over real HTTP — and stop
 * both after them.
 */
export function useServe(
  simulator: SimulatorOptions = {},
  env: Readonly<Record<string, string>> = {},
): ServeFixture {
  let running: (Omit<ServeFixture, 'client'> & { client: ApiClient }) | undefined;
  beforeAll(async () => {
    const apiKey = randomUUID();
    const endpoint = await startSimulator({ apiKey, seed: 7, ...simulator });
    let printed = '';
    const sink = { write: (text: string) => (printed += text) };
    const token = `test-${randomUUID()}`;
    const handle = await startServe(
      // The simulator enforces no limits: pace as with --simulate (not at NVIDIA's trial 40 req/min), with
      // a known 8 calls in flight so that cancels and deadlines land while lines still wait.
      {
        simulate: false,
        endpoint: endpoint.url,
        apiKey,
        port: 0,
        rateLimits: { ...LOCAL_SIMULATOR_LIMITS, maxInFlight: 8 },
      },
      { env: { ...env, [API_TOKEN_ENV]: token }, stdout: sink, stderr: sink },
    ).catch(async (error: unknown) => {
      await endpoint.close();
      throw error;
    });
    running = {
      handle,
      simulator: endpoint,
      client: createDocumentClient({ baseUrl: handle.url, token }),
      printed,
      url: handle.url,
      token,
    };
  });
  afterAll(async () => {
    await running?.handle.stop();
    await running?.simulator.close();
    running = undefined;
  });
  const get = () => {
    if (running === undefined) throw new Error('serve runs only between beforeAll and afterAll');
    return running;
  };
  return {
    get handle() {
      return get().handle;
    },
    get simulator() {
      return get().simulator;
    },
    get client() {
      return get().client;
    },
    get printed() {
      return get().printed;
    },
    get url() {
      return get().url;
    },
    get token() {
      return get().token;
    },
  };
}
