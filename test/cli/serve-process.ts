import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { type RunningSimulator, type SimulatorOptions, startSimulator } from '@thinkbatch/simulator';
import { afterAll, beforeAll } from 'vitest';
import { type CliResult, spawnThinkbatch, thinkbatch } from './cli-process';

/** `thinkbatch serve` as a child process, against a simulator the test configures. */
export interface ServeProcess {
  /** The API's base URL, e.g. `http://127.0.0.1:41234` (serve prints it with `/v1`). */
  readonly url: string;
  readonly token: string;
  readonly simulator: RunningSimulator;
  /** What a client command needs: `THINKBATCH_API` and `THINKBATCH_API_TOKEN`. */
  readonly env: Readonly<Record<string, string>>;
  /** Run a client command against this serve (`env` on top of the connection's). */
  cli(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<CliResult>;
}

/** How long serve may take to print its URL on a busy machine. */
const START_TIMEOUT_MS = 100_000;

/**
 * Start, before the file's tests, the simulated endpoint (with `simulator` options) and `thinkbatch serve`
 * as a child process on a free port against it (paced as with --simulate, with `serveArgs` on top), with a
 * token from the environment; stop both after them (SIGINT, as Ctrl-C).
 */
export function useServeProcess(
  simulator: SimulatorOptions = {},
  serveArgs: readonly string[] = [],
): ServeProcess {
  let running: Omit<ServeProcess, 'cli'> | undefined;
  let child: ReturnType<typeof spawnThinkbatch> | undefined;
  let endpoint: RunningSimulator | undefined;
  beforeAll(async () => {
    const apiKey = randomUUID();
    endpoint = await startSimulator({ apiKey, seed: 11, ...simulator });
    const token = `cli-test-${randomUUID()}`;
    const started = spawnThinkbatch(
      [
        'serve',
        ...['--endpoint', endpoint.url, '--api-key', apiKey, '--port', '0'],
        ...['--rpm', '6000', '--rate-window-ms', '1000'],
        ...serveArgs,
      ],
      { THINKBATCH_API_TOKEN: token },
    );
    child = started;
    let printed = '';
    started.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    started.stderr.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!/data in /.test(printed)) {
      if (Date.now() > deadline || started.exitCode !== null)
        throw new Error(`serve did not start: ${printed}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const url = /API at (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(printed)?.[1];
    if (url === undefined) throw new Error(`serve printed no URL: ${printed}`);
    running = {
      url,
      token,
      simulator: endpoint,
      env: { THINKBATCH_API: `${url}/v1`, THINKBATCH_API_TOKEN: token },
    };
  }, START_TIMEOUT_MS + 20_000);
  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await endpoint?.close();
    running = undefined;
  }, 60_000);
  const get = () => {
    if (running === undefined) throw new Error('serve runs only between beforeAll and afterAll');
    return running;
  };
  return {
    get url() {
      return get().url;
    },
    get token() {
      return get().token;
    },
    get simulator() {
      return get().simulator;
    },
    get env() {
      return get().env;
    },
    cli: (args, env = {}) => thinkbatch(args, { ...get().env, ...env }),
  };
}
