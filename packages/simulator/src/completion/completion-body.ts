import { fieldText, type R1Response } from './r1-response';

/** Identity of one completion, shared by its body or all its chunks. */
export interface CompletionEnvelope {
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  readonly model: string;
}

type Json = Record<string, unknown>;

/** The non-streamed `chat.completion` body. */
export function completionBody(envelope: CompletionEnvelope, response: R1Response, withUsage: boolean): Json {
  const message: Json = { role: 'assistant', content: fieldText(response, 'content') ?? '' };
  for (const field of ['reasoning_content', 'reasoning'] as const) {
    const text = fieldText(response, field);
    if (text !== null) message[field] = text;
  }
  return {
    id: envelope.id,
    object: 'chat.completion',
    created: envelope.created,
    model: envelope.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: response.finishReason }],
    ...(withUsage ? { usage: response.usage } : {}),
  };
}

/** Split a text into pieces of at most `size` code points (never inside a surrogate pair). */
export function splitText(text: string, size: number): string[] {
  const points = Array.from(text);
  const pieces: string[] = [];
  for (let start = 0; start < points.length; start += size) {
    pieces.push(points.slice(start, start + size).join(''));
  }
  return pieces;
}

export interface ChunkOptions {
  /** Characters per content chunk. */
  readonly chunkChars: number;
  /** `stream_options.include_usage` was asked for and usage is not withheld by a fault. */
  readonly includeUsage: boolean;
}

/**
 * The `chat.completion.chunk` objects of a streamed completion, in order: a first delta with the role,
 * the reasoning deltas, the content deltas, a final empty delta with finish_reason and, when asked,
 * a usage chunk with `choices: []` (every earlier chunk then carries `usage: null`, as OpenAI does).
 */
export function completionChunks(
  envelope: CompletionEnvelope,
  response: R1Response,
  options: ChunkOptions,
): Json[] {
  const chunk = (choices: Json[], usage?: unknown): Json => ({
    id: envelope.id,
    object: 'chat.completion.chunk',
    created: envelope.created,
    model: envelope.model,
    choices,
    ...(options.includeUsage ? { usage: usage ?? null } : {}),
  });
  const choice = (delta: Json, finishReason: string | null = null): Json => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });
  const chunks = [chunk([choice({ role: 'assistant', content: '' })])];
  for (const segment of response.segments) {
    for (const piece of splitText(segment.text, options.chunkChars)) {
      chunks.push(chunk([choice({ [segment.field]: piece })]));
    }
  }
  chunks.push(chunk([choice({}, response.finishReason)]));
  if (options.includeUsage) chunks.push(chunk([], response.usage));
  return chunks;
}
