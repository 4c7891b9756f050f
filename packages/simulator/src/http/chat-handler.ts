import type { ServerResponse } from 'node:http';
import { sleepUnlessAborted } from '../clock';
import { type CompletionEnvelope, completionBody, completionChunks } from '../completion/completion-body';
import { generateR1Response, type R1Response } from '../completion/r1-response';
import { CHARS_PER_TOKEN } from '../completion/token-count';
import { type Fault, faultLabel } from '../faults/fault';
import type { FaultInjector } from '../faults/fault-injector';
import type { LedgerEntry, LedgerOutcome, TokenLedger } from '../ledger/token-ledger';
import { sampleTiming, type Timing } from '../limits/latency';
import type { RateLimiter, Refusal } from '../limits/rate-limiter';
import { admissionTokens } from '../limits/token-charge';
import { deriveSeed, mulberry32 } from '../seeded-random';
import type { ResolvedSimulatorOptions } from '../simulator-options';
import type { StatsRecorder } from '../simulator-stats';
import type { ChatRequest } from './chat-request';
import { endlessChunks, padded, writeForever } from './fault-bodies';
import { rateLimitError } from './rate-limit-error';
import { errorForStatus, retryAfterHeaders, sendError, sendJson } from './responses';
import { endSse, startSse, writeSseData, writeSseEvents } from './sse-writer';

/** Long-lived parts of the simulator that every chat request uses. */
export interface ChatHandlerDeps {
  readonly options: ResolvedSimulatorOptions;
  readonly limiter: RateLimiter;
  readonly faults: FaultInjector;
  readonly stats: StatsRecorder;
  readonly ledger: TokenLedger;
  readonly nextRequestIndex: () => number;
}

/** Per-request facts the HTTP layer has established. */
export interface ChatExchange {
  readonly res: ServerResponse;
  readonly request: ChatRequest;
  /** Headers every response carries (`x-request-id`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Aborts when the client goes away or the simulator closes. */
  readonly signal: AbortSignal;
  readonly customIdHint: string | null;
  /** Destroy the connection on purpose (a fault, not a client abort). */
  readonly cut: () => void;
}

/** What a gateway in front of a model sends when it breaks: HTML, not JSON. */
const GARBAGE = '<html><head><title>502 Bad Gateway</title></head><body>upstream hiccup</body></html>';

/** Writes the request's ledger entry once its response has ended. */
type Settle = (
  outcome: LedgerOutcome,
  status: number | null,
  usage?: LedgerEntry['usage'],
  completionId?: string,
) => void;

interface Answer {
  readonly exchange: ChatExchange;
  readonly settle: Settle;
  readonly response: R1Response;
  readonly envelope: CompletionEnvelope;
  readonly timing: Timing;
  readonly fault: Fault | null;
  readonly headerDelayMs: number;
}

/** Serve one validated chat completion request: rate limit, fault, then the R1-shaped answer. */
export async function serveChat(exchange: ChatExchange, deps: ChatHandlerDeps): Promise<void> {
  const { res, request, headers } = exchange;
  const { options, stats } = deps;
  const requestIndex = deps.nextRequestIndex();
  const startedAt = options.clock.now();
  let faultLabelOf: string | null = null;
  const settle: Settle = (outcome, status, usage = null, completionId) =>
    deps.ledger.record({
      requestId: headers['x-request-id'] ?? '',
      completionId: completionId ?? null,
      promptKey: request.promptKey,
      customIdHint: exchange.customIdHint,
      outcome,
      status,
      fault: faultLabelOf,
      usage,
      startedAt,
      endedAt: options.clock.now(),
    });
  // The answer is a pure function of the request: known before admission, so the token limit can
  // charge it (see `admissionTokens`).
  const response = generateR1Response(
    {
      promptText: request.promptText,
      promptKey: request.promptKey,
      maxTokens: request.maxTokens,
      requestIndex,
    },
    options,
  );
  const { prompt_tokens: promptTokens, completion_tokens: completionTokens } = response.usage;
  const tokens = admissionTokens(promptTokens, request.maxTokens, completionTokens);
  const calls = stats.chatRequest(request.promptKey, tokens);
  const admission = deps.limiter.tryAdmit(tokens);
  if (!admission.admitted) {
    sendRateLimited(exchange, admission, deps);
    settle('rate_limited', 429);
    return;
  }
  stats.admitted(tokens);
  try {
    const fault = deps.faults.pick({
      requestIndex,
      body: request.body,
      promptText: request.promptText,
      promptKey: request.promptKey,
      attempt: calls - 1,
      customIdHint: exchange.customIdHint,
    });
    if (fault !== null) {
      faultLabelOf = faultLabel(fault);
      stats.fault(faultLabelOf);
    }
    if (fault?.kind === 'status') {
      stats.status(fault.status);
      sendError(res, fault.status, errorForStatus(fault.status, fault.message), {
        ...headers,
        ...statusFaultHint(fault, options.clock.now()),
      });
      settle(fault.status === 429 ? 'rate_limited' : 'http_error', fault.status);
      return;
    }
    if (fault?.kind === 'connectionReset' && fault.midBody !== true) {
      stats.status('reset');
      exchange.cut();
      settle('reset', null);
      return;
    }
    const latencyRandom = mulberry32(deriveSeed(options.seed, 'latency', String(requestIndex)));
    const answer: Answer = {
      exchange,
      settle,
      response,
      fault,
      envelope: {
        id: `chatcmpl-sim${requestIndex}-${request.promptKey.slice(0, 8)}`,
        created: Math.floor(options.clock.now() / 1000),
        model: request.model,
      },
      timing: sampleTiming(options, completionTokens, latencyRandom),
      headerDelayMs: fault?.kind === 'slowHeaders' ? (fault.delayMs ?? options.slowHeadersMs) : 0,
    };
    const { timing, headerDelayMs } = answer;
    admission.expectReleaseAt(
      options.clock.now() + headerDelayMs + timing.firstTokenMs + timing.generationMs,
    );
    await (request.stream ? streamAnswer(answer, deps) : sendAnswer(answer, deps));
  } finally {
    admission.release();
  }
}

/** The retry hint of a scripted status fault: its raw header, else its wait in its format. */
function statusFaultHint(fault: Extract<Fault, { kind: 'status' }>, now: number): Record<string, string> {
  if (fault.retryAfterRaw !== undefined) return { 'retry-after': fault.retryAfterRaw };
  if (fault.retryAfterMs === undefined) return {};
  return retryAfterHeaders(fault.retryAfterMs, fault.retryAfterFormat ?? 'seconds', now);
}

/** A 429 from the rate limiter, with the retry hint the options ask for. */
function sendRateLimited(exchange: ChatExchange, refusal: Refusal, deps: ChatHandlerDeps): void {
  const { stats, options } = deps;
  stats.rateLimited(refusal.reason);
  stats.status(429);
  const hint =
    refusal.retryAfterMs === null
      ? {}
      : retryAfterHeaders(refusal.retryAfterMs, options.retryAfterFormat, options.clock.now());
  const body = rateLimitError(refusal, exchange.request.model);
  sendError(exchange.res, 429, body, { ...exchange.headers, ...hint });
}

async function sendAnswer(answer: Answer, deps: ChatHandlerDeps): Promise<void> {
  const { exchange, timing, fault, settle } = answer;
  const { res, headers, signal } = exchange;
  const completionId = answer.envelope.id;
  const wait = answer.headerDelayMs + timing.firstTokenMs + timing.generationMs;
  if (!(await sleepUnlessAborted(deps.options.clock, wait, signal))) {
    settle('client_aborted', null);
    return;
  }
  const withUsage = fault?.kind !== 'missingUsage';
  const response = fault?.kind === 'giantBody' ? padded(answer.response, fault.bytes) : answer.response;
  const body = completionBody(answer.envelope, response, withUsage);
  deps.stats.status(200);
  if (fault?.kind === 'nonJsonBody') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json' });
    res.end(GARBAGE);
    settle('invalid_body', 200);
    return;
  }
  const text = JSON.stringify(body);
  const half = text.slice(0, Math.floor(text.length / 2));
  if (fault?.kind === 'truncatedBody') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json' });
    res.end(half);
    settle('truncated', 200, null, completionId);
    return;
  }
  if (fault?.kind === 'connectionReset') {
    res.writeHead(200, {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(text.length),
    });
    res.write(half, () => exchange.cut());
    settle('reset', 200, null, completionId);
    return;
  }
  if (fault?.kind === 'endlessStream') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json' });
    res.write(half);
    await writeForever(res, ' ', fault.intervalMs, signal, deps.options.clock);
    settle('client_aborted', 200, null, completionId);
    return;
  }
  sendJson(res, 200, body, headers);
  deps.stats.completed(exchange.request.promptKey);
  settle('complete', 200, withUsage ? response.usage : null, completionId);
}

async function streamAnswer(answer: Answer, deps: ChatHandlerDeps): Promise<void> {
  const { exchange, timing, fault, settle } = answer;
  const { res, headers, signal, request } = exchange;
  const { clock } = deps.options;
  const completionId = answer.envelope.id;
  const wait = answer.headerDelayMs + timing.firstTokenMs;
  if (!(await sleepUnlessAborted(clock, wait, signal))) {
    settle('client_aborted', null);
    return;
  }
  deps.stats.status(200);
  startSse(res, headers);
  if (fault?.kind === 'nonJsonBody') {
    await writeSseData(res, GARBAGE, signal);
    endSse(res);
    settle('invalid_body', 200);
    return;
  }
  const includeUsage = request.includeUsage && fault?.kind !== 'missingUsage';
  const giant = fault?.kind === 'giantBody';
  const response = giant ? padded(answer.response, fault.bytes) : answer.response;
  const chunks = completionChunks(answer.envelope, response, {
    // A giant body in chunks of 64 KiB: many chunks, not millions.
    chunkChars: giant ? 65_536 : deps.options.streamChunkTokens * CHARS_PER_TOKEN,
    includeUsage,
  });
  if (fault?.kind === 'truncatedBody' || fault?.kind === 'connectionReset') {
    const sent = chunks.slice(0, Math.max(1, Math.floor(chunks.length / 2)));
    await writeSseEvents(res, sent, { durationMs: timing.generationMs / 2, signal, clock });
    if (fault.kind === 'truncatedBody') {
      res.end();
      settle('truncated', 200, null, completionId);
    } else {
      exchange.cut();
      settle('reset', 200, null, completionId);
    }
    return;
  }
  if (fault?.kind === 'endlessStream') {
    const [first, thought] = endlessChunks(chunks);
    await writeSseData(res, JSON.stringify(first), signal);
    await writeForever(res, `data: ${JSON.stringify(thought)}\n\n`, fault.intervalMs, signal, clock);
    settle('client_aborted', 200, null, completionId);
    return;
  }
  const written = await writeSseEvents(res, chunks, { durationMs: timing.generationMs, signal, clock });
  if (written < chunks.length) {
    settle('client_aborted', 200, null, completionId);
    return;
  }
  endSse(res);
  deps.stats.completed(request.promptKey);
  settle('complete', 200, includeUsage ? response.usage : null, completionId);
}
