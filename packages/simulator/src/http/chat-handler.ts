import type { ServerResponse } from 'node:http';
import { sleepUnlessAborted } from '../clock';
import { type CompletionEnvelope, completionBody, completionChunks } from '../completion/completion-body';
import { generateR1Response, type R1Response } from '../completion/r1-response';
import { CHARS_PER_TOKEN } from '../completion/token-count';
import { type Fault, faultLabel } from '../faults/fault';
import type { FaultInjector } from '../faults/fault-injector';
import { sampleTiming, type Timing } from '../limits/latency';
import type { RateLimiter, Refusal } from '../limits/rate-limiter';
import { admissionTokens } from '../limits/token-charge';
import { deriveSeed, mulberry32 } from '../seeded-random';
import type { ResolvedSimulatorOptions } from '../simulator-options';
import type { StatsRecorder } from '../simulator-stats';
import type { ChatRequest } from './chat-request';
import { rateLimitError } from './rate-limit-error';
import { errorForStatus, retryAfterHeaders, sendError, sendJson } from './responses';
import { endSse, startSse, writeSseData, writeSseEvents } from './sse-writer';

/** Long-lived parts of the simulator that every chat request uses. */
export interface ChatHandlerDeps {
  readonly options: ResolvedSimulatorOptions;
  readonly limiter: RateLimiter;
  readonly faults: FaultInjector;
  readonly stats: StatsRecorder;
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

interface Answer {
  readonly exchange: ChatExchange;
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
    if (fault !== null) stats.fault(faultLabel(fault));
    if (fault?.kind === 'status') {
      const format = fault.retryAfterFormat ?? (fault.retryAfterMs === undefined ? 'none' : 'seconds');
      const hint = fault.retryAfterMs === undefined ? {} : retryAfterHeaders(fault.retryAfterMs, format);
      stats.status(fault.status);
      sendError(res, fault.status, errorForStatus(fault.status, fault.message), { ...headers, ...hint });
      return;
    }
    if (fault?.kind === 'connectionReset' && fault.midBody !== true) {
      stats.status('reset');
      exchange.cut();
      return;
    }
    const latencyRandom = mulberry32(deriveSeed(options.seed, 'latency', String(requestIndex)));
    const answer: Answer = {
      exchange,
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

/** A 429 from the rate limiter, with the retry hint the options ask for. */
function sendRateLimited(exchange: ChatExchange, refusal: Refusal, deps: ChatHandlerDeps): void {
  const { stats, options } = deps;
  stats.rateLimited(refusal.reason);
  stats.status(429);
  const hint =
    refusal.retryAfterMs === null ? {} : retryAfterHeaders(refusal.retryAfterMs, options.retryAfterFormat);
  const body = rateLimitError(refusal, exchange.request.model);
  sendError(exchange.res, 429, body, { ...exchange.headers, ...hint });
}

async function sendAnswer(answer: Answer, deps: ChatHandlerDeps): Promise<void> {
  const { exchange, timing, fault } = answer;
  const { res, headers, signal } = exchange;
  const wait = answer.headerDelayMs + timing.firstTokenMs + timing.generationMs;
  if (!(await sleepUnlessAborted(deps.options.clock, wait, signal))) return;
  const body = completionBody(answer.envelope, answer.response, fault?.kind !== 'missingUsage');
  deps.stats.status(200);
  if (fault?.kind === 'nonJsonBody') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json' });
    res.end(GARBAGE);
    return;
  }
  const text = JSON.stringify(body);
  const half = text.slice(0, Math.floor(text.length / 2));
  if (fault?.kind === 'truncatedBody') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json' });
    res.end(half);
    return;
  }
  if (fault?.kind === 'connectionReset') {
    res.writeHead(200, {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(text.length),
    });
    res.write(half, () => exchange.cut());
    return;
  }
  sendJson(res, 200, body, headers);
  deps.stats.completed(exchange.request.promptKey);
}

async function streamAnswer(answer: Answer, deps: ChatHandlerDeps): Promise<void> {
  const { exchange, timing, fault } = answer;
  const { res, headers, signal, request } = exchange;
  const { clock } = deps.options;
  const wait = answer.headerDelayMs + timing.firstTokenMs;
  if (!(await sleepUnlessAborted(clock, wait, signal))) return;
  deps.stats.status(200);
  startSse(res, headers);
  if (fault?.kind === 'nonJsonBody') {
    await writeSseData(res, GARBAGE, signal);
    endSse(res);
    return;
  }
  const chunks = completionChunks(answer.envelope, answer.response, {
    chunkChars: deps.options.streamChunkTokens * CHARS_PER_TOKEN,
    includeUsage: request.includeUsage && fault?.kind !== 'missingUsage',
  });
  if (fault?.kind === 'truncatedBody' || fault?.kind === 'connectionReset') {
    const sent = chunks.slice(0, Math.max(1, Math.floor(chunks.length / 2)));
    await writeSseEvents(res, sent, { durationMs: timing.generationMs / 2, signal, clock });
    if (fault.kind === 'truncatedBody') res.end();
    else exchange.cut();
    return;
  }
  const written = await writeSseEvents(res, chunks, { durationMs: timing.generationMs, signal, clock });
  if (written < chunks.length) return;
  endSse(res);
  deps.stats.completed(request.promptKey);
}
