/** A plain-fetch client (no SDK) for tests that talk to the simulator. */

/** A message of a completion as the tests read it. */
export interface CompletionMessage {
  role?: string;
  content?: string;
  reasoning_content?: string;
  reasoning?: string;
}

/** A non-streamed completion as the tests read it. */
export interface Completion {
  id: string;
  object: string;
  model: string;
  choices: { index: number; message: CompletionMessage; finish_reason: string }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** A minimal chat body for `prompt`. */
export function chatBody(prompt: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'deepseek-ai/deepseek-r1', messages: [{ role: 'user', content: prompt }], ...extra };
}

/** POST a JSON body to `<baseUrl>/chat/completions`. */
export function postChat(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** The `data:` payloads of an SSE body, in order, and whether the body was framed correctly. */
export interface SseRead {
  readonly data: readonly string[];
  /** Every event was `data: …` followed by a blank line. */
  readonly wellFramed: boolean;
}

export async function readSse(response: Response): Promise<SseRead> {
  const text = await response.text();
  const events = text.split('\n\n');
  const tail = events.pop();
  const wellFramed =
    tail === '' && events.every((event) => event.startsWith('data: ') && !event.includes('\n'));
  return { data: events.map((event) => event.replace(/^data: /, '')), wellFramed };
}

/** JSON chunks of an SSE read, without the `[DONE]` sentinel. */
export function sseChunks(read: SseRead): Record<string, unknown>[] {
  return read.data
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data) as Record<string, unknown>);
}

/** Shape of a streamed chunk as the tests read it. */
export interface TestChunk {
  readonly choices: readonly {
    readonly delta: Readonly<Record<string, string | null | undefined>>;
    readonly finish_reason: string | null;
  }[];
  readonly usage?: unknown;
}

/** Concatenate the delta text of one field over all chunks. */
export function joinDeltas(chunks: readonly TestChunk[], field: string): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta[field] ?? '').join('');
}
