import { accumulateStream, ChatCompletion, ChatCompletionChunk } from '@thinkbatch/core';
import { isWellFormedChunk } from './well-formed-chunk';

/** A usable completion, or why the 200 response was not one. */
export type ReadOutcome =
  | { readonly kind: 'completion'; readonly completion: ChatCompletion }
  | { readonly kind: 'invalid'; readonly message: string };

const PREVIEW_CHARS = 120;

/**
 * Longest answer an attempt reads, in characters of text (reasoning and content together): far beyond
 * any model's output limit (R1: 64K tokens, about 256K characters), and small enough that a broken
 * endpoint streaming without end cannot fill a worker's memory before the attempt's timeout.
 */
export const DEFAULT_MAX_ANSWER_CHARS = 8 * 1024 * 1024;

/** A non-streamed body is read up to this many bytes per allowed answer character (JSON escapes, envelope). */
export const BODY_BYTES_PER_ANSWER_CHAR = 4;

const TEXT_FIELDS = ['content', 'reasoning_content', 'reasoning'] as const;

/**
 * The body of a response as text, or null (and the body cancelled, which ends the request) once it
 * passes `maxBytes`.
 */
export async function readBoundedText(response: Response, maxBytes: number): Promise<string | null> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const parts: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The part of a zod error this module reads (zod itself is the core's dependency, not ours). */
interface SchemaIssues {
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
}

function describeIssues(error: SchemaIssues): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > PREVIEW_CHARS ? `${flat.slice(0, PREVIEW_CHARS)}…` : flat;
}

/** Parse a non-streamed body: JSON, and a chat completion with at least one choice. */
export function parseCompletionBody(text: string): ReadOutcome {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid', message: `response body is not JSON (${text.length} chars): ${preview(text)}` };
  }
  const parsed = ChatCompletion.safeParse(json);
  return parsed.success
    ? { kind: 'completion', completion: parsed.data }
    : { kind: 'invalid', message: `response is not a chat completion: ${describeIssues(parsed.error)}` };
}

/**
 * Validate each streamed chunk (`isWellFormedChunk`, the schema where that refuses) and rebuild the
 * completion with the core's `accumulateStream`. A stream that ends without any `finish_reason` was cut
 * short (the reader does not say whether `[DONE]` came): invalid.
 * An answer longer than `maxAnswerChars` is invalid too. Returning early (bad chunk, too long) ends the
 * iteration, which cancels the response body and so ends the request.
 */
export async function readChunkStream(
  chunks: AsyncIterable<unknown>,
  maxAnswerChars: number = DEFAULT_MAX_ANSWER_CHARS,
): Promise<ReadOutcome> {
  const valid: ChatCompletionChunk[] = [];
  let chars = 0;
  for await (const raw of chunks) {
    let chunk: ChatCompletionChunk;
    if (isWellFormedChunk(raw)) chunk = raw;
    else {
      const parsed = ChatCompletionChunk.safeParse(raw);
      if (!parsed.success) {
        return {
          kind: 'invalid',
          message: `stream chunk ${valid.length} is malformed: ${describeIssues(parsed.error)}`,
        };
      }
      chunk = parsed.data;
    }
    for (const choice of chunk.choices) {
      for (const field of TEXT_FIELDS) chars += choice.delta?.[field]?.length ?? 0;
    }
    if (chars > maxAnswerChars) {
      return {
        kind: 'invalid',
        message: `answer longer than ${maxAnswerChars} characters after ${valid.length + 1} chunks; stopped reading`,
      };
    }
    valid.push(chunk);
  }
  const completion = await accumulateStream(valid);
  if (completion.choices[0]?.finish_reason == null) {
    return {
      kind: 'invalid',
      message: `stream ended after ${valid.length} chunks without a finish_reason (truncated)`,
    };
  }
  return { kind: 'completion', completion };
}
