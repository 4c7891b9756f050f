import {
  type ChatRequestBody,
  extractReasoning,
  type ModelCallResult,
  normalizeUsage,
} from '@thinkbatch/core';
import {
  type Fault,
  promptKey,
  REASONING_SHAPES,
  type SimulatorOptions,
  startSimulator,
} from '@thinkbatch/simulator';
import { createManualClock, createSimulatorHarness, type TestSimulator } from '@thinkbatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIModelClient, type OpenAIModelClientOptions } from './openai-model-client';

const KEY = 'sk-test-0123456789abcdef';
const harness = createSimulatorHarness();
afterAll(harness.closeAll);
/** A simulator that wants `KEY`, with no latency, on its own manual clock: nothing here waits on real time. */
const simulate = (options: Omit<SimulatorOptions, 'clock'> = {}): Promise<TestSimulator> =>
  harness.start({ apiKey: KEY, ...options });

const body = (prompt: string, extra: Record<string, unknown> = {}): ChatRequestBody => ({
  model: 'deepseek-ai/deepseek-r1',
  messages: [{ role: 'user', content: prompt }],
  ...extra,
});
const keyOf = (prompt: string) => promptKey([{ role: 'user', content: prompt }]);

function failureOf(result: ModelCallResult) {
  if (result.kind !== 'failed')
    throw new Error(`expected a failure, got ${JSON.stringify(result).slice(0, 300)}`);
  return result.failure;
}
function completionOf(result: ModelCallResult) {
  if (result.kind !== 'completed') throw new Error(`expected a completion, got ${JSON.stringify(result)}`);
  return result;
}

/** Faults by prompt marker, one simulator per mode. */
const FAULTS: Record<string, Fault> = {
  '<<500>>': { kind: 'status', status: 500 },
  '<<503>>': { kind: 'status', status: 503 },
  '<<400>>': { kind: 'status', status: 400, message: "'temperature' is out of range" },
  '<<429s>>': { kind: 'status', status: 429, retryAfterMs: 3_000, retryAfterFormat: 'seconds' },
  '<<429ms>>': { kind: 'status', status: 429, retryAfterMs: 1_500, retryAfterFormat: 'milliseconds' },
  '<<429>>': { kind: 'status', status: 429 },
  '<<reset>>': { kind: 'connectionReset' },
  '<<reset-mid>>': { kind: 'connectionReset', midBody: true },
  '<<slow>>': { kind: 'slowHeaders', delayMs: 5_000 },
  '<<slow-short>>': { kind: 'slowHeaders', delayMs: 800 },
  '<<truncated>>': { kind: 'truncatedBody' },
  '<<non-json>>': { kind: 'nonJsonBody' },
  '<<no-usage>>': { kind: 'missingUsage' },
};
const promptFaults = Object.entries(FAULTS).map(([match, fault]) => ({ match, fault }));

describe.each([
  ['streaming', true],
  ['non-streaming', false],
] as const)('createOpenAIModelClient (%s) against the simulator', (_mode, stream) => {
  let simulator: TestSimulator;
  let make: (extra?: Partial<OpenAIModelClientOptions>) => ReturnType<typeof createOpenAIModelClient>;
  beforeAll(async () => {
    simulator = await simulate({ promptFaults });
    make = (extra = {}) => createOpenAIModelClient({ baseURL: simulator.url, apiKey: KEY, stream, ...extra });
  });
  const callsOf = (prompt: string) => simulator.stats().callsByPrompt[keyOf(prompt)];
  /** A simulator of its own and a client on its clock, for the tests that move time. */
  const timed = async () => {
    const own = await simulate({ promptFaults });
    const client = createOpenAIModelClient({ baseURL: own.url, apiKey: KEY, stream, clock: own.clock });
    return { simulator: own, clock: own.clock, client };
  };

  it('completes with the request id, reasoning, answer and usage the simulator sent', async () => {
    const prompt = 'What is 40+2? Please reason step by step, and put your final answer within \\boxed{}.';
    const result = completionOf(await make().complete(body(prompt), { timeoutMs: 10_000 }));
    expect(result.requestId).toMatch(/^sim-/);
    const extracted = extractReasoning(result.completion);
    expect(extracted).toMatchObject({ shape: 'reasoning_content', finishReason: 'stop' });
    expect(extracted.answer).toContain('\\boxed{42}');
    expect(extracted.reasoning).toMatch(/^Okay, so the question is/);
    const usage = normalizeUsage(result.completion.usage, extracted.reasoning);
    expect(usage?.prompt_tokens).toBe(Math.ceil(prompt.length / 4));
    expect(usage?.reasoning_tokens).toBe(Math.ceil((extracted.reasoning ?? '').length / 4));
    expect(usage?.completion_tokens).toBe(
      Math.ceil(((extracted.reasoning ?? '').length + (extracted.answer ?? '').length) / 4),
    );
  });

  it('sends the line parameters but decides `stream` itself', async () => {
    const seen: unknown[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      seen.push(JSON.parse(String(init?.body)));
      return fetch(input, init);
    };
    const result = await make({ fetch: recordingFetch }).complete(
      body('params', {
        temperature: 0.6,
        top_p: 0.7,
        max_tokens: 4096,
        stream: !stream,
        stream_options: { x: 1 },
      }),
      { timeoutMs: 10_000 },
    );
    expect(result.kind).toBe('completed');
    expect(seen).toEqual([
      {
        model: 'deepseek-ai/deepseek-r1',
        messages: [{ role: 'user', content: 'params' }],
        temperature: 0.6,
        top_p: 0.7,
        max_tokens: 4096,
        stream,
        ...(stream ? { stream_options: { include_usage: true } } : {}),
      },
    ]);
  });

  it('passes max_tokens through: a cut answer completes with finish_reason length', async () => {
    const result = completionOf(
      await make().complete(body('cut me', { max_tokens: 5 }), { timeoutMs: 10_000 }),
    );
    expect(result.completion.choices[0]?.finish_reason).toBe('length');
    expect(result.completion.usage).toMatchObject({ completion_tokens: 5 });
  });

  it.each([
    ['<<500>>', 500, null],
    ['<<503>>', 503, null],
    ['<<400>>', 400, null],
    ['<<429s>>', 429, 3_000],
    ['<<429ms>>', 429, 1_500],
    ['<<429>>', 429, null],
  ] as const)(
    '%s → http_error %i with retryAfterMs %s and the request id, in one attempt',
    async (marker, status, retryAfterMs) => {
      const prompt = `status ${marker} ${stream}`;
      const failure = failureOf(await make().complete(body(prompt), { timeoutMs: 10_000 }));
      expect(failure).toMatchObject({
        type: 'http_error',
        status,
        retryAfterMs,
        requestId: expect.stringMatching(/^sim-/),
      });
      if (status === 400) expect(failure.message).toContain("'temperature' is out of range");
      expect(callsOf(prompt)).toBe(1); // the SDK made no retry of its own
    },
  );

  it('connection reset before the headers → connection_error, no retry', async () => {
    const prompt = `reset <<reset>> ${stream}`;
    const failure = failureOf(await make().complete(body(prompt), { timeoutMs: 10_000 }));
    expect(failure.type).toBe('connection_error');
    expect(failure.message).toMatch(/connection error/i);
    expect(callsOf(prompt)).toBe(1);
  });

  it('connection reset in the middle of the body → connection_error', async () => {
    const failure = failureOf(
      await make().complete(body(`reset <<reset-mid>> ${stream}`), { timeoutMs: 10_000 }),
    );
    expect(failure).toMatchObject({ type: 'connection_error', message: expect.stringMatching(/terminated/) });
  });

  it('slow headers beyond timeoutMs → timeout at the deadline, no retry', async () => {
    const { simulator: own, clock, client } = await timed();
    const prompt = `slow <<slow>> ${stream}`;
    const pending = client.complete(body(prompt), { timeoutMs: 3_000 });
    await clock.sleeping(2); // the attempt's deadline, and the simulator holding back the headers for 5 s
    clock.advance(3_000);
    const result = await pending;
    expect(failureOf(result)).toEqual({ type: 'timeout', message: 'no complete response within 3000 ms' });
    expect(result.latencyMs).toBe(3_000);
    expect(own.stats().callsByPrompt[keyOf(prompt)]).toBe(1);
  });

  it('slow headers within timeoutMs → completed', async () => {
    const { clock, client } = await timed();
    const pending = client.complete(body(`slow but fine <<slow-short>> ${stream}`), { timeoutMs: 5_000 });
    await clock.sleeping(2);
    clock.advance(800); // the headers are due
    const result = await pending;
    expect(result.kind).toBe('completed');
    expect(result.latencyMs).toBe(800);
  });

  it('truncated body → invalid_response with the request id', async () => {
    const failure = failureOf(
      await make().complete(body(`cut <<truncated>> ${stream}`), { timeoutMs: 10_000 }),
    );
    expect(failure).toMatchObject({ type: 'invalid_response', requestId: expect.stringMatching(/^sim-/) });
    expect(failure.message).toMatch(stream ? /without a finish_reason \(truncated\)/ : /not JSON/);
  });

  it('200 with a non-JSON body → invalid_response', async () => {
    const failure = failureOf(
      await make().complete(body(`garbage <<non-json>> ${stream}`), { timeoutMs: 10_000 }),
    );
    expect(failure).toMatchObject({ type: 'invalid_response', requestId: expect.stringMatching(/^sim-/) });
    expect(failure.message).toMatch(stream ? /malformed server-sent event JSON/ : /not JSON.*<html>/);
  });

  it('missing usage → completed without usage', async () => {
    const result = completionOf(
      await make().complete(body(`no usage <<no-usage>> ${stream}`), { timeoutMs: 10_000 }),
    );
    expect(result.completion.usage).toBeUndefined();
    expect(result.completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('caller abort mid-call → aborted, not timeout', async () => {
    const { clock, client } = await timed();
    const controller = new AbortController();
    const pending = client.complete(body(`abort <<slow>> ${stream}`), {
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    await clock.sleeping(2); // the request waits at the simulator
    controller.abort();
    expect(failureOf(await pending)).toEqual({
      type: 'aborted',
      message: 'the request was aborted by the caller',
    });
  });

  it('sends defaultHeaders and uses the injected clock for latency', async () => {
    let now = 1_000;
    const clock = { now: () => (now += 250), sleep: createManualClock().sleep };
    const hints: (string | null)[] = [];
    const headerSimulator = await simulate({
      faultPlan: (ctx) => {
        hints.push(ctx.customIdHint);
        return null;
      },
    });
    const client = createOpenAIModelClient({
      baseURL: headerSimulator.url,
      apiKey: KEY,
      stream,
      clock,
      defaultHeaders: { 'x-thinkbatch-custom-id': 'line-7' },
    });
    const result = await client.complete(body('headers'), { timeoutMs: 10_000 });
    expect(hints).toEqual(['line-7']);
    expect(result.latencyMs).toBe(250);
  });
});

describe('createOpenAIModelClient: authentication', () => {
  it.each([true, false])(
    '401 → http_error without the API key in the message (stream %s)',
    async (stream) => {
      const simulator = await simulate({ apiKey: 'sk-the-right-one' });
      const client = createOpenAIModelClient({ baseURL: simulator.url, apiKey: KEY, stream });
      const failure = failureOf(await client.complete(body('hi'), { timeoutMs: 10_000 }));
      expect(failure).toMatchObject({ type: 'http_error', status: 401, retryAfterMs: null });
      expect(failure.message).toContain('Incorrect API key provided: [redacted]');
      expect(failure.message).not.toContain(KEY);
      expect(JSON.stringify(failure)).not.toContain(KEY);
    },
  );
});

describe('createOpenAIModelClient: timeouts and aborts while the body streams', () => {
  /**
   * A simulator streaming one token per second of its manual clock (tens of seconds for a short answer),
   * a streaming client on the same clock, and a promise that resolves when the response headers arrive.
   */
  async function trickle() {
    const simulator = await simulate({ tokensPerSecond: 1 });
    const { promise: headers, resolve: headersArrived } = Promise.withResolvers<void>();
    const client = createOpenAIModelClient({
      baseURL: simulator.url,
      apiKey: KEY,
      clock: simulator.clock,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        headersArrived();
        return response;
      },
    });
    return { simulator, clock: simulator.clock, client, headers };
  }

  it('bounds the whole attempt: headers arrived, body too slow → timeout', async () => {
    const { clock, client, headers } = await trickle();
    const pending = client.complete(body('trickle 1'), { timeoutMs: 5_000 });
    await headers;
    clock.advance(5_000);
    const result = await pending;
    expect(failureOf(result).type).toBe('timeout');
    expect(result.latencyMs).toBe(5_000);
  });

  it('caller abort while chunks arrive → aborted', async () => {
    const { clock, client, headers } = await trickle();
    const controller = new AbortController();
    const pending = client.complete(body('trickle 2'), { timeoutMs: 60_000, signal: controller.signal });
    await headers;
    await clock.sleeping(2); // the deadline, and the stream waiting for its next token
    await clock.advanceToNext(); // a token is due: the server sends it
    controller.abort();
    expect(failureOf(await pending).type).toBe('aborted');
  });

  it('returns timeout without a call when no time is left', async () => {
    const simulator = await simulate();
    const client = createOpenAIModelClient({ baseURL: simulator.url, apiKey: KEY });
    const before = simulator.stats().chatRequests;
    expect(failureOf(await client.complete(body('no time'), { timeoutMs: 0 })).type).toBe('timeout');
    expect(simulator.stats().chatRequests).toBe(before);
  });
});

describe('createOpenAIModelClient: connection refused', () => {
  it('→ connection_error', async () => {
    const simulator = await startSimulator();
    const { url } = simulator;
    await simulator.close();
    const client = createOpenAIModelClient({ baseURL: url, apiKey: KEY });
    const failure = failureOf(await client.complete(body('anyone?'), { timeoutMs: 5_000 }));
    expect(failure.type).toBe('connection_error');
    expect(failure.message).toMatch(/ECONNREFUSED|connect/i);
  });
});

describe.each(REASONING_SHAPES)('reasoning shape %s', (shape) => {
  it.each([true, false])('comes back exactly as the simulator sent it (stream %s)', async (stream) => {
    const simulator = await simulate({ shape });
    const prompt = 'What is 6*7? Please reason step by step, and put your final answer within \\boxed{}.';
    const raw = await fetch(`${simulator.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body(prompt)),
    });
    type SentMessage = { content?: string; reasoning_content?: string; reasoning?: string };
    const sent = ((await raw.json()) as { choices: { message: SentMessage }[] }).choices[0]?.message;
    const client = createOpenAIModelClient({ baseURL: simulator.url, apiKey: KEY, stream });
    const result = completionOf(await client.complete(body(prompt), { timeoutMs: 10_000 }));
    const message = result.completion.choices[0]?.message;
    expect(message?.content).toBe(sent?.content);
    expect(message?.reasoning_content ?? null).toBe(sent?.reasoning_content ?? null);
    expect(message?.reasoning ?? null).toBe(sent?.reasoning ?? null);
    const extracted = extractReasoning(result.completion);
    expect(extracted.shape).toBe(shape);
    expect(extracted.answer).toBe('**Final Answer**\n\nThe answer is \\boxed{42}.');
    expect(extracted.reasoning).toMatch(/^Okay, so the question is.*So the answer should be 42\.$/s);
  });
});
