/**
 * Baseline (a): the loop a user writes in ten minutes. Sixteen workers pull lines from one list
 * (p-limit style) and call the `openai` SDK with its default retries (2 retries on 408/409/429/5xx and
 * connection errors, backoff min(0.5 s × 2ⁿ, 8 s) with jitter, `retry-after` honoured). The only thing a
 * user would not write is the counting `fetch`, so the benchmark can report requests and 429s.
 *
 *   tsx bench/baselines/fixed-concurrency-loop.ts --base-url http://127.0.0.1:8000/v1 \
 *     --model deepseek-ai/deepseek-r1 --input prompts.jsonl --output results.jsonl [--concurrency 16]
 *
 * Input lines: `{"custom_id"?, "prompt"}`, `{"custom_id"?, "messages"}` or an OpenAI batch line
 * (`{"custom_id", "body": {"messages", …}}`). Output: one JSON line per input line, in completion order.
 * Prints a JSON summary: succeeded, failed, requests sent, 429s, elapsed ms. API key: `--api-key`, or
 * `OPENAI_API_KEY` / `NVIDIA_API_KEY`.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';

/** Options of {@link runFixedConcurrencyLoop}. */
export interface FixedConcurrencyOptions {
  readonly baseURL: string;
  readonly apiKey: string;
  readonly model: string;
  /** JSONL of prompts. */
  readonly input: string;
  /** JSONL of results (overwritten). */
  readonly output: string;
  /** Workers. @default 16 */
  readonly concurrency?: number;
  /** `max_tokens` of every request. @default none */
  readonly maxTokens?: number;
}

/** What a baseline prints at the end. */
export interface BaselineSummary {
  readonly baseline: string;
  readonly lines: number;
  readonly succeeded: number;
  readonly failed: number;
  /** HTTP requests the endpoint received, retries included. */
  readonly requestsSent: number;
  /** Of those, answered 429. */
  readonly rateLimited: number;
  readonly elapsedMs: number;
}

type Message = { role: 'user' | 'system' | 'assistant'; content: string };

interface PromptLine {
  readonly customId: string;
  readonly messages: Message[];
}

function readPrompts(text: string): PromptLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const parsed = JSON.parse(line) as {
        custom_id?: string;
        prompt?: string;
        messages?: Message[];
        body?: { messages?: Message[] };
      };
      const messages =
        parsed.messages ??
        parsed.body?.messages ??
        (parsed.prompt === undefined ? undefined : [{ role: 'user' as const, content: parsed.prompt }]);
      if (messages === undefined) throw new Error(`line ${index + 1}: no prompt, messages or body.messages`);
      return { customId: parsed.custom_id ?? `line-${index + 1}`, messages };
    });
}

/** Run every prompt through 16 workers on the `openai` SDK; resolves to the summary. */
export async function runFixedConcurrencyLoop(options: FixedConcurrencyOptions): Promise<BaselineSummary> {
  const prompts = readPrompts(await readFile(options.input, 'utf8'));
  let requestsSent = 0;
  let rateLimited = 0;
  const countingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    requestsSent += 1;
    const response = await fetch(input, init);
    if (response.status === 429) rateLimited += 1;
    return response;
  };
  const client = new OpenAI({ baseURL: options.baseURL, apiKey: options.apiKey, fetch: countingFetch });
  const out = createWriteStream(options.output);
  const started = Date.now();
  let next = 0;
  let succeeded = 0;
  let failed = 0;

  const worker = async (): Promise<void> => {
    for (let index = next++; index < prompts.length; index = next++) {
      const prompt = prompts[index];
      if (prompt === undefined) return;
      try {
        const completion = await client.chat.completions.create({
          model: options.model,
          messages: prompt.messages,
          temperature: 0.6,
          ...(options.maxTokens === undefined ? {} : { max_tokens: options.maxTokens }),
        });
        succeeded += 1;
        const choice = completion.choices[0];
        out.write(
          `${JSON.stringify({
            custom_id: prompt.customId,
            status: 'succeeded',
            content: choice?.message.content ?? null,
            usage: completion.usage ?? null,
          })}\n`,
        );
      } catch (error) {
        failed += 1;
        const message = error instanceof Error ? error.message : String(error);
        out.write(`${JSON.stringify({ custom_id: prompt.customId, status: 'failed', error: message })}\n`);
      }
    }
  };

  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return {
    baseline: 'fixed-concurrency-loop',
    lines: prompts.length,
    succeeded,
    failed,
    requestsSent,
    rateLimited,
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
      concurrency: { type: 'string', default: '16' },
      'max-tokens': { type: 'string' },
    },
  });
  const baseURL = values['base-url'];
  const input = values.input;
  if (baseURL === undefined || input === undefined) {
    throw new Error(
      'usage: fixed-concurrency-loop.ts --base-url URL --input prompts.jsonl [--output results.jsonl]',
    );
  }
  const maxTokens = values['max-tokens'];
  const summary = await runFixedConcurrencyLoop({
    baseURL,
    apiKey: values['api-key'] ?? process.env['OPENAI_API_KEY'] ?? process.env['NVIDIA_API_KEY'] ?? 'none',
    model: values.model,
    input,
    output: values.output,
    concurrency: Number(values.concurrency),
    ...(maxTokens === undefined ? {} : { maxTokens: Number(maxTokens) }),
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
