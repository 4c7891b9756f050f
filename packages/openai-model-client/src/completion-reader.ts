import { accumulateStream, ChatCompletion, ChatCompletionChunk } from '@thinkbatch/core';

/** A usable completion, or why the 200 response was not one. */
export type ReadOutcome =
  | { readonly kind: 'completion'; readonly completion: ChatCompletion }
  | { readonly kind: 'invalid'; readonly message: string };

const PREVIEW_CHARS = 120;

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
 * Validate each streamed chunk and rebuild the completion with the core's `accumulateStream`. A stream
 * that ends without any `finish_reason` was cut short (the SDK hides whether `[DONE]` came): invalid.
 * Returning early (bad chunk) ends the iteration, which makes the SDK abort the request.
 */
export async function readChunkStream(chunks: AsyncIterable<unknown>): Promise<ReadOutcome> {
  const valid: ChatCompletionChunk[] = [];
  for await (const raw of chunks) {
    const parsed = ChatCompletionChunk.safeParse(raw);
    if (!parsed.success) {
      return {
        kind: 'invalid',
        message: `stream chunk ${valid.length} is malformed: ${describeIssues(parsed.error)}`,
      };
    }
    valid.push(parsed.data);
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
