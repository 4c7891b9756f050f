import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFaultInjector } from '../faults/fault-injector';
import { createTokenLedger, type LedgerSnapshot } from '../ledger/token-ledger';
import { phaseAt } from '../limits/limit-schedule';
import { createRateLimiter } from '../limits/rate-limiter';
import { deriveSeed, mulberry32 } from '../seeded-random';
import { limitPhasesOf, resolveSimulatorOptions, type SimulatorOptions } from '../simulator-options';
import { createStatsRecorder, type SimulatorStats } from '../simulator-stats';
import { type ChatHandlerDeps, serveChat } from './chat-handler';
import { parseChatRequest } from './chat-request';
import { readBody } from './read-body';
import { type OpenAIErrorBody, sendError, sendJson } from './responses';

/** A simulator listening on 127.0.0.1. */
export interface RunningSimulator {
  /** Base URL for an OpenAI client, ending in `/v1` (e.g. `http://127.0.0.1:41234/v1`). */
  readonly url: string;
  readonly port: number;
  /** `GET` it for `stats()` as JSON (e.g. `http://127.0.0.1:41234/_stats`); needs no API key. */
  readonly statsUrl: string;
  stats(): SimulatorStats;
  /** `GET` it for `ledger()` as JSON (e.g. `http://127.0.0.1:41234/_ledger`); needs no API key. */
  readonly ledgerUrl: string;
  /** Every chat response sent so far, with the usage the client received (see `LedgerEntry`). */
  ledger(): LedgerSnapshot;
  /** Stop accepting, cut every open connection and wait for the server to close. */
  close(): Promise<void>;
}

/** Path of the stats of a running simulator, on the same server (outside `/v1`). */
export const STATS_PATH = '/_stats';

/** Path of the token ledger of a running simulator, on the same server (outside `/v1`). */
export const LEDGER_PATH = '/_ledger';

/** Header a client may send so scripted faults can key on a line's custom id. */
export const CUSTOM_ID_HEADER = 'x-thinkbatch-custom-id';

function authProblem(req: IncomingMessage, apiKey: string | null): string | null {
  if (apiKey === null) return null;
  const header = req.headers.authorization;
  if (header === undefined || !header.startsWith('Bearer ')) {
    return "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.";
  }
  const given = header.slice('Bearer '.length);
  // Echoes the key in full, as a careless gateway would: clients must never log this message raw.
  return given === apiKey ? null : `Incorrect API key provided: ${given}.`;
}

/**
 * Start a simulated DeepSeek-R1 endpoint speaking the OpenAI chat completions API over real HTTP:
 * `POST /v1/chat/completions` (plain and SSE streaming), `GET /v1/models`, and its own stats at
 * `GET /_stats`. Binds 127.0.0.1 only.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const config = resolveSimulatorOptions(options);
  const now = (): number => config.clock.now();
  const startedAt = now();
  const phases = limitPhasesOf(config);
  const stats = createStatsRecorder({ now, startedAt, windowMs: config.rateWindowMs, phases });
  const limiter = createRateLimiter({
    windowMs: config.rateWindowMs,
    limitsAt: (at) => phaseAt(phases, at - startedAt),
    now,
  });
  const snapshot = (): SimulatorStats => stats.snapshot(limiter.inFlight, limiter.maxInFlight);
  let requestIndex = 0;
  const ledger = createTokenLedger(config.ledgerLimit);
  const deps: ChatHandlerDeps = {
    options: config,
    limiter,
    stats,
    ledger,
    faults: createFaultInjector(config, mulberry32(deriveSeed(config.seed, 'faults'))),
    nextRequestIndex: () => requestIndex++,
  };
  const active = new Set<AbortController>();
  const bugHeaders = new WeakMap<ServerResponse, Record<string, string>>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    if (path === STATS_PATH || path === LEDGER_PATH) {
      // Not counted: a benchmark may poll it without changing what it measures. No API key either.
      if (req.method === 'GET') sendJson(res, 200, path === STATS_PATH ? snapshot() : ledger.snapshot());
      else sendError(res, 405, { message: `Use GET ${path}.`, type: 'invalid_request_error', code: null });
      return;
    }
    stats.request();
    const headers = { 'x-request-id': `sim-${randomUUID()}` };
    bugHeaders.set(res, headers);
    const controller = new AbortController();
    active.add(controller);
    let cutByServer = false;
    const cut = (): void => {
      cutByServer = true;
      res.destroy();
    };
    res.on('close', () => {
      active.delete(controller);
      if (!res.writableFinished && !cutByServer && !controller.signal.aborted) stats.clientAbort();
      controller.abort();
    });
    const refuse = (status: number, error: OpenAIErrorBody): void => {
      stats.status(status);
      sendError(res, status, error, headers);
    };
    const invalid = 'invalid_request_error';
    const route = `${req.method ?? 'GET'} ${path}`;
    if (path !== '/v1/models' && path !== '/v1/chat/completions') {
      refuse(404, { message: `Unknown request URL: ${route}.`, type: invalid, code: 'unknown_url' });
      return;
    }
    const unauthorized = authProblem(req, config.apiKey);
    if (unauthorized !== null) {
      refuse(401, { message: unauthorized, type: invalid, code: 'invalid_api_key' });
      return;
    }
    if (route === 'GET /v1/models') {
      stats.status(200);
      const data = config.models.map((id) => ({
        id,
        object: 'model',
        created: 0,
        owned_by: 'thinkbatch-simulator',
      }));
      sendJson(res, 200, { object: 'list', data }, headers);
      return;
    }
    if (route !== 'POST /v1/chat/completions') {
      refuse(405, { message: `Method not allowed: ${route}.`, type: invalid, code: 'method_not_allowed' });
      return;
    }
    const body = await readBody(req, config.maxBodyBytes);
    if (!body.ok) {
      refuse(413, { message: 'Request body too large.', type: invalid, code: 'request_too_large' });
      return;
    }
    const parsed = parseChatRequest(body.text);
    if (!parsed.ok) {
      refuse(400, { ...parsed.problem, type: invalid });
      return;
    }
    if (config.rejectUnknownModels && !config.models.includes(parsed.request.model)) {
      const message = `The model '${parsed.request.model}' does not exist.`;
      refuse(404, { message, type: invalid, code: 'model_not_found', param: 'model' });
      return;
    }
    const customIdHeader = req.headers[CUSTOM_ID_HEADER];
    const customIdHint = typeof customIdHeader === 'string' ? customIdHeader : null;
    await serveChat(
      { res, request: parsed.request, headers, signal: controller.signal, customIdHint, cut },
      deps,
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the simulator: answer 500 so the test sees it, and keep serving.
      console.error('simulator bug', error);
      if (!res.headersSent)
        sendError(
          res,
          500,
          { message: 'Simulator bug.', type: 'server_error', code: null },
          bugHeaders.get(res),
        );
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    statsUrl: `http://127.0.0.1:${port}${STATS_PATH}`,
    stats: snapshot,
    ledgerUrl: `http://127.0.0.1:${port}${LEDGER_PATH}`,
    ledger: () => ledger.snapshot(),
    close: async () => {
      for (const controller of active) controller.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
