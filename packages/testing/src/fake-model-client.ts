import type {
  ChatRequestBody,
  ModelCallFailure,
  ModelCallOptions,
  ModelCallResult,
  ModelClient,
} from '@thinkbatch/core';

/** One recorded call to the fake. */
export interface FakeModelCall {
  readonly prompt: string;
  readonly body: ChatRequestBody;
  readonly options: ModelCallOptions;
}

/**
 * Decides the answer to one call; `callsForPrompt` counts earlier calls with the same last user message.
 * A returned promise is raced against `options.timeoutMs` (real time) and `options.signal`; a behaviour
 * that throws or rejects is a bug in the test, and the call rejects with it.
 */
export type FakeModelBehaviour = (args: {
  readonly prompt: string;
  readonly body: ChatRequestBody;
  readonly callsForPrompt: number;
}) => ModelCallResult | Promise<ModelCallResult>;

/** A `ModelClient` that records its calls. */
export interface FakeModelClient extends ModelClient {
  /** Every call, in order, including those aborted before they started. */
  readonly calls: readonly FakeModelCall[];
  /** How many calls had `prompt` as their last user message. */
  callsFor(prompt: string): number;
}

/** The text of the last user message: how tests name a line's request. */
export function lastUserText(body: ChatRequestBody): string {
  const users = body.messages.filter((m) => m.role === 'user');
  return users[users.length - 1]?.content ?? '';
}

/**
 * A ModelClient for unit tests of the pipeline, driven by a behaviour function. The default answers
 * every prompt with R1's `reasoning_content` shape and a usage that depends on the prompt's length.
 *
 * It keeps the port's promises (the ModelClient contract suite checks them): a call whose behaviour has
 * not answered within `options.timeoutMs` of real time ends as a `timeout` failure, an aborted
 * `options.signal` ends it as `aborted` (at once when aborted before the call, without running the
 * behaviour), and endpoint failures are values. A synchronous answer is returned as it is.
 */
export function createFakeModelClient(behaviour: FakeModelBehaviour = answerEcho): FakeModelClient {
  const calls: FakeModelCall[] = [];
  const perPrompt = new Map<string, number>();
  return {
    calls,
    callsFor: (prompt) => perPrompt.get(prompt) ?? 0,
    complete: async (body, options) => {
      if (!(options.timeoutMs >= 0)) throw new RangeError(`timeoutMs must be >= 0, got ${options.timeoutMs}`);
      const prompt = lastUserText(body);
      const callsForPrompt = perPrompt.get(prompt) ?? 0;
      perPrompt.set(prompt, callsForPrompt + 1);
      calls.push({ prompt, body, options });
      const started = performance.now();
      if (options.signal?.aborted) return failedSince(started, abortFailure(options.signal));
      const answer = behaviour({ prompt, body, callsForPrompt });
      return checkLatency(answer instanceof Promise ? await raceDeadline(answer, options, started) : answer);
    },
  };
}

/** Longest delay `setTimeout` honours; longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** `pending`, unless the timeout or the caller's signal comes first; leaves no timer or listener behind. */
function raceDeadline(
  pending: Promise<ModelCallResult>,
  { timeoutMs, signal }: ModelCallOptions,
  started: number,
): Promise<ModelCallResult> {
  return new Promise((resolve, reject) => {
    const settle = (finish: () => void): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      finish();
    };
    const onAbort = (): void => {
      if (signal) settle(() => resolve(failedSince(started, abortFailure(signal))));
    };
    const timer = setTimeout(
      () => {
        const failure = { type: 'timeout', message: `no complete response within ${timeoutMs} ms` } as const;
        settle(() => resolve(failedSince(started, failure)));
      },
      Math.min(timeoutMs, MAX_TIMER_MS),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (result) => settle(() => resolve(result)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}

function abortFailure(signal: AbortSignal): ModelCallFailure {
  const reason: unknown = signal.reason;
  const detail = reason instanceof Error && reason.message !== '' ? `: ${reason.message}` : '';
  return { type: 'aborted', message: `the request was aborted by the caller${detail}` };
}

function failedSince(started: number, failure: ModelCallFailure): ModelCallResult {
  return { kind: 'failed', failure, latencyMs: Math.max(0, Math.round(performance.now() - started)) };
}

/** A behaviour answering a negative or non-finite latency is a bug in the test. */
function checkLatency(result: ModelCallResult): ModelCallResult {
  if (!(Number.isFinite(result.latencyMs) && result.latencyMs >= 0))
    throw new RangeError(`fake model behaviour returned latencyMs ${result.latencyMs}`);
  return result;
}

/** A completed call answering `answer:<prompt>` with reasoning `thinking about <prompt>`. */
export function answerEcho({ prompt, body }: { prompt: string; body: ChatRequestBody }): ModelCallResult {
  const reasoningTokens = 10 + prompt.length;
  return {
    kind: 'completed',
    requestId: `req-${prompt.length}`,
    latencyMs: 5,
    completion: {
      id: 'chatcmpl-fake',
      model: body.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: `answer:${prompt}`,
            reasoning_content: `thinking about ${prompt}`,
          },
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: prompt.length,
        completion_tokens: reasoningTokens + 3,
        total_tokens: prompt.length + reasoningTokens + 3,
        completion_tokens_details: { reasoning_tokens: reasoningTokens },
      },
    },
  };
}
