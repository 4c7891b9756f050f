/**
 * The non-durable baseline of the scale benchmark: the loop a user writes on the `openai` SDK — the
 * prompts read into memory, 64 calls in flight, every result kept in memory, nothing stored until the
 * end (a crash loses everything). What thinkbatch's durability costs is measured against this.
 *
 *   tsx bench/scale/openai-loop.ts --base-url URL --api-key KEY --input prompts.jsonl [--concurrency 64]
 *
 * Prints one JSON line: lines, succeeded, failed, elapsed ms.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';

const { values } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    'api-key': { type: 'string' },
    input: { type: 'string' },
    model: { type: 'string', default: 'deepseek-ai/deepseek-r1' },
    concurrency: { type: 'string', default: '64' },
  },
});
const baseURL = values['base-url'];
const input = values.input;
if (baseURL === undefined || input === undefined) throw new Error('--base-url and --input are required');

const started = Date.now();
const prompts = (await readFile(input, 'utf8'))
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => (JSON.parse(line) as { prompt: string }).prompt);
const client = new OpenAI({ baseURL, apiKey: values['api-key'] ?? '' });
const results: (OpenAI.Chat.Completions.ChatCompletion | null)[] = new Array(prompts.length).fill(null);
let next = 0;
let failed = 0;
async function worker(): Promise<void> {
  for (let i = next++; i < prompts.length; i = next++) {
    try {
      results[i] = await client.chat.completions.create({
        model: values.model,
        messages: [{ role: 'user', content: prompts[i] ?? '' }],
      });
    } catch {
      failed += 1;
    }
  }
}
await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
const succeeded = results.filter((result) => result !== null).length;
process.stdout.write(
  `${JSON.stringify({ lines: prompts.length, succeeded, failed, elapsedMs: Date.now() - started })}\n`,
);
