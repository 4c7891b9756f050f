import {
  type ChatRequestBody,
  type Clock,
  type ModelCallFailure,
  type ModelCallOptions,
  type ModelCallResult,
  type ModelClient,
  systemClock,
} from '@thinkbatch/core';
import OpenAI from 'openai';
import { startAttemptDeadline } from './attempt-deadline';
import { DEFAULT_MAX_ANSWER_CHARS, type ReadOutcome } from './completion-reader';
import { createNodeHttpFetch } from './node-http-fetch';
import { redactSecret } from './redact-secret';
import { createSendTime, recordingFetchCalls, withRequestSendRecorder } from './request-send-time';
import { runAttempt } from './run-attempt';
import { translateError } from './translate-error';

/** Options of `createOpenAIModelClient`. */
export interface OpenAIModelClientOptions {
  /** Base URL of an OpenAI-compatible API, e.g. `https://integrate.api.nvidia.com/v1`. */
  readonly baseURL: string;
  /** Sent as `Authorization: Bearer <apiKey>`; redacted from every failure message. */
  readonly apiKey: string;
  /** Extra headers on every request. @default {} */
  readonly defaultHeaders?: Readonly<Record<string, string>>;
  /**
   * Stream responses (SSE). Long R1 answers outlast undici's ~5 min headers timeout without streaming,
   * so keep this on against real endpoints. @default true
   */
  readonly stream?: boolean;
  /**
   * `fetch` implementation, e.g. undici's with a custom dispatcher. @default createNodeHttpFetch(): the
   * SDK's requests over `node:http`, cheaper per call than Node's `fetch` (which it falls back to for
   * redirects and anything else it does not handle)
   */
  readonly fetch?: typeof fetch;
  /** Measures latency and runs the per-attempt deadline. @default systemClock */
  readonly clock?: Clock;
  /**
   * Longest answer read, in characters of reasoning and content (a non-streamed body: 4 bytes per
   * character); a longer one fails the attempt as `invalid_response` and the request is aborted, so a
   * broken endpoint cannot fill the worker's memory. @default 8_388_608 (8 Mi characters)
   */
  readonly maxAnswerChars?: number;
}

/**
 * `ModelClient` on the `openai` SDK. One call is one HTTP attempt: the SDK's own retries are off
 * (`maxRetries: 0`) because the core's retry policy is the only one. `timeoutMs` bounds the whole
 * attempt, headers and body. Endpoint failures come back as `ModelCallFailure` values (see
 * `translateError`), never thrown, and the API key is redacted from their messages. The SDK's environment
 * fallbacks (`OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`, `OPENAI_ADMIN_KEY`, `OPENAI_LOG`) are switched off so
 * nothing meant for OpenAI goes to another provider; the SDK still honours `OPENAI_CUSTOM_HEADERS`.
 * Each result carries `sentAt`, when the request really left (see `request-send-time.ts`).
 */
export function createOpenAIModelClient(options: OpenAIModelClientOptions): ModelClient {
  const clock = options.clock ?? systemClock;
  const stream = options.stream ?? true;
  const maxAnswerChars = options.maxAnswerChars ?? DEFAULT_MAX_ANSWER_CHARS;
  if (!(maxAnswerChars > 0)) throw new RangeError('maxAnswerChars must be > 0');
  const client = new OpenAI({
    baseURL: options.baseURL,
    apiKey: options.apiKey,
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    maxRetries: 0,
    logLevel: 'off',
    defaultHeaders: { ...options.defaultHeaders },
    fetch: recordingFetchCalls(options.fetch ?? createNodeHttpFetch()),
  });

  return {
    async complete(body: ChatRequestBody, call: ModelCallOptions): Promise<ModelCallResult> {
      if (Number.isNaN(call.timeoutMs)) throw new RangeError('ModelCallOptions.timeoutMs is NaN');
      const started = clock.now();
      const sendTime = createSendTime(started);
      const sent = (): { sentAt?: number } => (sendTime.sentAt === null ? {} : { sentAt: sendTime.sentAt });
      const failed = (failure: ModelCallFailure): ModelCallResult => ({
        kind: 'failed',
        failure: { ...failure, message: redactSecret(failure.message, options.apiKey) },
        latencyMs: Math.max(0, clock.now() - started),
        ...sent(),
      });
      if (call.signal?.aborted)
        return failed({ type: 'aborted', message: 'aborted before the request was sent' });
      if (call.timeoutMs <= 0) return failed({ type: 'timeout', message: 'no time left for the request' });

      const deadline = startAttemptDeadline(call.timeoutMs, call.signal, clock);
      let requestId: string | null = null;
      let outcome: ReadOutcome | undefined;
      let thrown: { readonly error: unknown } | undefined;
      try {
        const requestOptions = { signal: deadline.signal, timeout: call.timeoutMs, maxRetries: 0 } as const;
        outcome = await withRequestSendRecorder(sendTime, () =>
          runAttempt(
            client,
            body,
            stream,
            requestOptions,
            (response) => {
              requestId = response.headers.get('x-request-id');
            },
            maxAnswerChars,
          ),
        );
      } catch (error) {
        thrown = { error };
      } finally {
        deadline.dispose();
      }
      // Checked even without an error: the SDK ends a stream silently when its signal aborts.
      if (thrown !== undefined || deadline.state !== 'running' || outcome === undefined) {
        const context = { deadline: deadline.state, timeoutMs: call.timeoutMs, requestId, now: clock.now() };
        return failed(translateError(thrown?.error, context));
      }
      if (outcome.kind === 'invalid') {
        return failed({ type: 'invalid_response', message: outcome.message, requestId });
      }
      return {
        kind: 'completed',
        completion: outcome.completion,
        requestId,
        latencyMs: Math.max(0, clock.now() - started),
        ...sent(),
      };
    },
  };
}
