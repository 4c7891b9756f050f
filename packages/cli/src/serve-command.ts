import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { apiAccessFromEnv, createApiApp, parseApiConfig } from '@thinkbatch/api';
import { ENDPOINT, LOCAL_SIMULATOR_LIMITS, type RateGateSettings, systemClock } from '@thinkbatch/core';
import { scheduleStoredLabellingTasks } from '@thinkbatch/labelling';
import { createLocalUploadNotifier, type LocalRuntime } from '@thinkbatch/local';
import { createOpenAIModelClient } from '@thinkbatch/openai-model-client';
import { startSimulator } from '@thinkbatch/simulator';
import { createFileLogger } from './file-logger';
import { startLocalLabelling } from './label-local';
import { readPriceListFile } from './price-list-file';
import { API_TOKEN_ENV, SERVE_DEFAULTS } from './serve-defaults';
import { UsageError } from './usage-error';

/** Where `serve` reads its environment and writes what it prints (a `CommandIo` is one). */
export interface ServeIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export { API_TOKEN_ENV, SERVE_DEFAULTS } from './serve-defaults';

/** The flags of `thinkbatch serve`, parsed. */
export interface ServeOptions {
  /** @default SERVE_DEFAULTS.port; 0 picks a free port */
  readonly port?: number;
  /** Address to bind. @default SERVE_DEFAULTS.host (this machine only) */
  readonly host?: string;
  readonly endpoint?: string;
  readonly apiKey?: string;
  readonly model?: string;
  readonly prices?: string;
  readonly simulate: boolean;
  /**
   * Endpoint limits given as flags; the rest default to NVIDIA's trial tier, or with `simulate` to
   * `LOCAL_SIMULATOR_LIMITS`. @default {}
   */
  readonly rateLimits?: Partial<RateGateSettings>;
  /** Keep the emulators' state (jobs, inputs, results) here. @default a temporary directory, removed at exit */
  readonly dataDir?: string;
}

/** A running `serve`: where it listens, with which token, and how to stop it. */
export interface ServeHandle {
  /** Base URL of the API (its routes are under `/v1`). */
  readonly url: string;
  readonly token: string;
  readonly dataDir: string;
  readonly runtime: LocalRuntime;
  stop(): Promise<void>;
}

/**
 * Start the embedded runtime (emulators, the pipeline's handlers, the simulated endpoint with
 * `--simulate`) and the API on it, listening on `host:port`. Prints the URL, and the token once when it
 * made one. Everything started is stopped again when a later step fails, or by `stop()`.
 */
export async function startServe(options: ServeOptions, io: ServeIo): Promise<ServeHandle> {
  const givenKey = options.apiKey ?? io.env['NVIDIA_API_KEY'];
  if (!options.simulate && (givenKey === undefined || givenKey === '')) {
    throw new UsageError(
      'no API key: set NVIDIA_API_KEY (or pass --api-key), or add --simulate to use the built-in simulated endpoint',
    );
  }
  const envToken = io.env[API_TOKEN_ENV];
  if (envToken !== undefined && envToken.length < 16)
    throw new UsageError(`${API_TOKEN_ENV} must be at least 16 characters`);
  const token = envToken ?? randomBytes(24).toString('base64url');
  const prices = options.prices === undefined ? null : await readPriceListFile(options.prices);
  const { readToken, rateLimit } = apiAccessFromEnv(io.env);

  const cleanups: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) =>
        io.stderr.write(`thinkbatch: stopping failed: ${String(error)}\n`),
      );
    }
  };
  try {
    const dataDir = resolve(options.dataDir ?? (await mkdtemp(join(tmpdir(), 'thinkbatch-serve-'))));
    if (options.dataDir === undefined) cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    await mkdir(dataDir, { recursive: true });
    const log = createFileLogger(join(dataDir, 'serve.log'));
    const simulatorKey = randomUUID();
    const simulator = options.simulate ? await startSimulator({ apiKey: simulatorKey, seed: 1 }) : null;
    if (simulator !== null) cleanups.push(() => simulator.close());
    const baseURL = simulator?.url ?? options.endpoint ?? io.env['THINKBATCH_ENDPOINT'] ?? ENDPOINT.baseURL;
    const apiKey = simulator !== null ? simulatorKey : (givenKey ?? '');
    // The runtime with labelling wired in (job finished events drive labelling runs).
    const labelling = await startLocalLabelling({
      dataDir: join(dataDir, 'emulators'),
      model: createOpenAIModelClient({ baseURL, apiKey }),
      endpoint: {
        baseURL,
        apiKey,
        limits: { ...(simulator === null ? {} : LOCAL_SIMULATOR_LIMITS), ...options.rateLimits },
      },
      log,
      config: {
        ...(options.model !== undefined && { defaultModel: options.model }),
        ...(prices !== null && { prices }),
      },
    });
    cleanups.push(() => labelling.stop());
    const { runtime } = labelling;
    const scheduler = scheduleStoredLabellingTasks(labelling.deps);
    await scheduler.refresh();
    cleanups.push(async () => scheduler.stop());
    const uploads = createLocalUploadNotifier(runtime, { log });
    cleanups.push(() => uploads.stop());
    const app = createApiApp({
      jobs: runtime.deps.jobs,
      input: runtime.deps.input,
      output: runtime.deps.output,
      uploads,
      clock: systemClock,
      log,
      token,
      readToken: readToken ?? null,
      config: parseApiConfig({
        defaultModel: runtime.deps.config.defaultModel,
        prices,
        ...(rateLimit !== undefined && { rateLimit }),
      }),
      labelling: { deps: labelling.deps, tasksChanged: () => scheduler.refresh() },
    });
    const server = await listen(
      app.fetch,
      options.host ?? SERVE_DEFAULTS.host,
      options.port ?? SERVE_DEFAULTS.port,
    );
    cleanups.push(() => close(server));
    const { address, port } = server.address() as AddressInfo;
    const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    io.stdout.write(`thinkbatch: API at ${url}/v1 (endpoint ${baseURL}${simulator ? ', simulated' : ''})\n`);
    io.stdout.write(
      envToken === undefined
        ? `thinkbatch: API token (shown once; set ${API_TOKEN_ENV} to choose it): ${token}\n`
        : `thinkbatch: API token from ${API_TOKEN_ENV}\n`,
    );
    io.stdout.write(
      `thinkbatch: dashboard at ${url}/ (it asks for the token; or open ${url}/#token=<token>)\n`,
    );
    io.stdout.write(
      `thinkbatch: data in ${dataDir}${options.dataDir === undefined ? ' (removed at exit)' : ''}\n`,
    );
    return { url, token, dataDir, runtime, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `thinkbatch serve`: serve until SIGINT or SIGTERM, then stop everything; exit code 0. */
export async function serveCommand(options: ServeOptions, io: ServeIo): Promise<number> {
  const handle = await startServe(options, io);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  io.stderr.write('thinkbatch: stopping\n');
  await handle.stop();
  return 0;
}

function listen(fetch: (request: Request) => Response | Promise<Response>, hostname: string, port: number) {
  return new Promise<Server>((done, fail) => {
    const server = serve({ fetch, hostname, port }) as Server;
    server.once('listening', () => done(server));
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'EADDRINUSE'
          ? new UsageError(`port ${port} on ${hostname} is in use: pass --port N (0 for any free port)`)
          : error,
      ),
    );
  });
}

function close(server: Server): Promise<void> {
  return new Promise<void>((done, fail) => {
    server.close((error) => (error === undefined ? done() : fail(error)));
    server.closeAllConnections();
  });
}
