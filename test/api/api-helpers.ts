import type { ApiClient, components } from '@thinkbatch/api/client';
import { type ResultLine, ResultLine as ResultLineSchema } from '@thinkbatch/core';

export type Job = components['schemas']['Job'];

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired']);

/** JSONL of simple lines, one per prompt. */
export function jsonl(prompts: readonly string[], extra: Record<string, unknown> = {}): string {
  return `${prompts.map((prompt) => JSON.stringify({ prompt, ...extra })).join('\n')}\n`;
}

/** The job, once `until` holds for it (polling); throws after `timeoutMs`. */
export async function waitForJob(
  client: ApiClient,
  id: string,
  until: (job: Job) => boolean = (job) => TERMINAL.has(job.status),
  timeoutMs = 60_000,
): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { data, error } = await client.GET('/v1/jobs/{id}', { params: { path: { id } } });
    if (data === undefined) throw new Error(`GET job ${id}: ${JSON.stringify(error)}`);
    if (until(data)) return data;
    if (Date.now() > deadline) throw new Error(`job ${id} did not get there: ${JSON.stringify(data)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Create a job from inline lines; returns it. */
export async function createInline(
  client: ApiClient,
  content: string,
  options: components['schemas']['JobOptions'] = {},
): Promise<Job> {
  const { data, error } = await client.POST('/v1/jobs', {
    body: { input: { type: 'inline', content }, options },
  });
  if (data === undefined) throw new Error(`create: ${JSON.stringify(error)}`);
  return data.job;
}

/** Download a presigned link (no token: the link is the credential). */
export async function download(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.text();
}

/** A results.jsonl text, parsed. */
export function parseResults(text: string): ResultLine[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => ResultLineSchema.parse(JSON.parse(line)));
}

/** A job's finished results.jsonl, downloaded through its results link. */
export async function resultsOf(client: ApiClient, id: string): Promise<ResultLine[]> {
  const { data } = await client.GET('/v1/jobs/{id}/results', { params: { path: { id } } });
  if (data?.files == null) throw new Error(`job ${id} has no files`);
  return parseResults(await download(data.files.results.url));
}

/** An array as an async iterable (what `mergeResults` reads). */
export async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
