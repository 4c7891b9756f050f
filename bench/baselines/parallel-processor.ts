/**
 * Baseline (b): a TypeScript port of the openai-cookbook's `api_request_parallel_processor.py`, the
 * script users copy when they outgrow a loop. As the original: a request bucket and a token bucket, both
 * refilled continuously up to their per-minute limits; one request launched per loop turn when both
 * buckets hold enough; every call a plain HTTP POST (no SDK, no retries inside); a rate-limit error
 * pauses the whole loop (15 s by default — configurable here, so a time-compressed endpoint can shrink
 * it) and puts the request back at the front, up to 5 attempts in all, with no backoff. Token cost of a
 * request is estimated as the cookbook does (prompt tokens + `max_tokens`, 15 when unset), with ~4
 * characters per token instead of tiktoken. Results are written in completion order.
 *
 *   tsx bench/baselines/parallel-processor.ts --base-url http://127.0.0.1:8000/v1 \
 *     --model deepseek-ai/deepseek-r1 --input prompts.jsonl --output results.jsonl \
 *     [--requests-per-minute 1500] [--tokens-per-minute 125000] [--pause-ms 15000] [--max-attempts 5]
 *
 * Input and output lines as in `fixed-concurrency-loop.ts`; prints the same JSON summary.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BaselineSummary } from './fixed-concurrency-loop';

/** Options of {@link runParallelProcessor}; defaults are the cookbook's. */
export interface ParallelProcessorOptions {
  readonly baseURL: string;
  readonly apiKey: string;
  readonly model: string;
  readonly input: string;
  readonly output: string;
  /** @default 1_500 (the cookbook's 3,000 × 0.5) */
  readonly requestsPerMinute?: number;
  /** @default 125_000 (the cookbook's 250,000 × 0.5) */
  readonly tokensPerMinute?: number;
  /** Pause of the whole loop after a rate-limit error, ms. @default 15_000 */
  readonly pauseAfterRateLimitMs?: number;
  /** Attempts per request, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** `max_tokens` of every request (also the token estimate's completion part). @default none (15 assumed) */
  readonly maxTokens?: number;
}

type Message = { role: string; content: string };

interface ApiRequest {
  readonly customId: string;
  readonly body: Record<string, unknown>;
  readonly tokens: number;
  attemptsLeft: number;
  readonly errors: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function estimateTokens(messages: readonly Message[], maxTokens: number | undefined): number {
  const prompt = messages.reduce((n, m) => n + 4 + Math.ceil(m.content.length / 4), 2);
  return prompt + (maxTokens ?? 15);
}

/** Run every prompt the cookbook's way; resolves to the summary. */
export async function runParallelProcessor(options: ParallelProcessorOptions): Promise<BaselineSummary> {
  const requestsPerMinute = options.requestsPerMinute ?? 1_500;
  const tokensPerMinute = options.tokensPerMinute ?? 125_000;
  const pauseMs = options.pauseAfterRateLimitMs ?? 15_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const lines = (await readFile(options.input, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  const out = createWriteStream(options.output);
  const url = `${options.baseURL.replace(/\/+$/, '')}/chat/completions`;
  const started = Date.now();

  const status = {
    inProgress: 0,
    succeeded: 0,
    failed: 0,
    requestsSent: 0,
    rateLimited: 0,
    lastRateLimitAt: 0,
  };
  const retryQueue: ApiRequest[] = [];
  let nextLine = 0;
  let next: ApiRequest | null = null;
  let requestCapacity = requestsPerMinute;
  let tokenCapacity = tokensPerMinute;
  let lastUpdate = Date.now();

  const toRequest = (line: string, index: number): ApiRequest => {
    const parsed = JSON.parse(line) as {
      custom_id?: string;
      prompt?: string;
      messages?: Message[];
      body?: { messages?: Message[] };
    };
    const messages: Message[] = parsed.messages ??
      parsed.body?.messages ?? [{ role: 'user', content: parsed.prompt ?? '' }];
    return {
      customId: parsed.custom_id ?? `line-${index + 1}`,
      body: {
        model: options.model,
        messages,
        temperature: 0.6,
        ...(options.maxTokens === undefined ? {} : { max_tokens: options.maxTokens }),
      },
      tokens: estimateTokens(messages, options.maxTokens),
      attemptsLeft: maxAttempts,
      errors: [],
    };
  };

  const callApi = async (request: ApiRequest): Promise<void> => {
    let error: string | null = null;
    let answer: unknown = null;
    try {
      status.requestsSent += 1;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
        body: JSON.stringify(request.body),
      });
      const json = (await response.json()) as { error?: { message?: string } };
      const message = json.error?.message ?? '';
      if (response.status === 429 || message.toLowerCase().includes('rate limit')) {
        status.rateLimited += 1;
        status.lastRateLimitAt = Date.now();
        error = `rate limited: ${message}`;
      } else if (!response.ok || json.error !== undefined) {
        error = `HTTP ${response.status}: ${message}`;
      } else {
        answer = json;
      }
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    if (error === null) {
      status.inProgress -= 1;
      status.succeeded += 1;
      out.write(
        `${JSON.stringify({ custom_id: request.customId, status: 'succeeded', response: answer })}\n`,
      );
      return;
    }
    request.errors.push(error);
    if (request.attemptsLeft > 0) {
      retryQueue.push(request);
      return;
    }
    status.inProgress -= 1;
    status.failed += 1;
    out.write(
      `${JSON.stringify({ custom_id: request.customId, status: 'failed', errors: request.errors })}\n`,
    );
  };

  for (;;) {
    if (next === null) {
      const retry = retryQueue.shift();
      if (retry !== undefined) next = retry;
      else if (nextLine < lines.length) {
        next = toRequest(lines[nextLine] ?? '', nextLine);
        nextLine += 1;
        status.inProgress += 1;
      }
    }
    const now = Date.now();
    const elapsedMinutes = (now - lastUpdate) / 60_000;
    requestCapacity = Math.min(requestCapacity + requestsPerMinute * elapsedMinutes, requestsPerMinute);
    tokenCapacity = Math.min(tokenCapacity + tokensPerMinute * elapsedMinutes, tokensPerMinute);
    lastUpdate = now;
    if (next !== null && requestCapacity >= 1 && tokenCapacity >= next.tokens) {
      requestCapacity -= 1;
      tokenCapacity -= next.tokens;
      next.attemptsLeft -= 1;
      void callApi(next);
      next = null;
    }
    if (status.inProgress === 0) break;
    await sleep(1);
    const sinceRateLimit = Date.now() - status.lastRateLimitAt;
    if (sinceRateLimit < pauseMs) await sleep(pauseMs - sinceRateLimit);
  }

  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return {
    baseline: 'parallel-processor',
    lines: lines.length,
    succeeded: status.succeeded,
    failed: status.failed,
    requestsSent: status.requestsSent,
    rateLimited: status.rateLimited,
    elapsedMs: Date.now() - started,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      'api-key': { type: 'string' },
      model: { type: 'string', default: 'deepseek-ai/deepseek-r1' },
      input: { type: 'string' },
      output: { type: 'string', default: 'results.jsonl' },
      'requests-per-minute': { type: 'string', default: '1500' },
      'tokens-per-minute': { type: 'string', default: '125000' },
      'pause-ms': { type: 'string', default: '15000' },
      'max-attempts': { type: 'string', default: '5' },
      'max-tokens': { type: 'string' },
    },
  });
  const baseURL = values['base-url'];
  const input = values.input;
  if (baseURL === undefined || input === undefined) {
    throw new Error(
      'usage: parallel-processor.ts --base-url URL --input prompts.jsonl [--output results.jsonl]',
    );
  }
  const maxTokens = values['max-tokens'];
  const summary = await runParallelProcessor({
    baseURL,
    apiKey: values['api-key'] ?? process.env['OPENAI_API_KEY'] ?? process.env['NVIDIA_API_KEY'] ?? 'none',
    model: values.model,
    input,
    output: values.output,
    requestsPerMinute: Number(values['requests-per-minute']),
    tokensPerMinute: Number(values['tokens-per-minute']),
    pauseAfterRateLimitMs: Number(values['pause-ms']),
    maxAttempts: Number(values['max-attempts']),
    ...(maxTokens === undefined ? {} : { maxTokens: Number(maxTokens) }),
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
