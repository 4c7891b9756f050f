import type { ChatCompletion, ChatCompletionChunk, ChatCompletionMessage } from './chat-completion';

/**
 * Rebuild a non-streamed chat completion from the chunks of a streamed one, so the rest of the pipeline
 * (`extractReasoning`, `normalizeUsage`, result lines) sees one shape. Only choice index 0 is kept
 * (thinkbatch sends `n: 1`). Deltas of `reasoning_content`, `reasoning` and `content` are concatenated;
 * a field that never appeared in any delta stays absent (`content` is then `null`). `id`, `model` and
 * `created` come from the first chunk that carries them; `finish_reason` is the last non-null one; `usage` is
 * the last non-null one (sent in a final chunk with `choices: []` when `stream_options.include_usage` is set).
 *
 * A stream that ended without any `finish_reason` was cut off: the result then has `finish_reason: null`,
 * which callers should treat as an invalid response rather than a finished answer.
 */
export async function accumulateStream(
  chunks: Iterable<ChatCompletionChunk> | AsyncIterable<ChatCompletionChunk>,
): Promise<ChatCompletion> {
  let id: string | undefined;
  let model: string | undefined;
  let created: number | undefined;
  let role: string | undefined;
  let content: string | undefined;
  let reasoningContent: string | undefined;
  let reasoning: string | undefined;
  let finishReason: string | null = null;
  let usage: unknown;

  for await (const chunk of chunks) {
    id ??= chunk.id;
    model ??= chunk.model;
    const { created: chunkCreated } = chunk;
    if (created === undefined && typeof chunkCreated === 'number') created = chunkCreated;
    if (chunk.usage != null) usage = chunk.usage;

    chunk.choices.forEach((choice, position) => {
      if ((choice.index ?? position) !== 0) return;
      const delta = choice.delta;
      if (delta?.role != null) role ??= delta.role;
      if (delta?.content != null) content = (content ?? '') + delta.content;
      if (delta?.reasoning_content != null) {
        reasoningContent = (reasoningContent ?? '') + delta.reasoning_content;
      }
      if (delta?.reasoning != null) reasoning = (reasoning ?? '') + delta.reasoning;
      if (choice.finish_reason != null) finishReason = choice.finish_reason;
    });
  }

  const message: ChatCompletionMessage = { role: role ?? 'assistant', content: content ?? null };
  if (reasoningContent !== undefined) message.reasoning_content = reasoningContent;
  if (reasoning !== undefined) message.reasoning = reasoning;

  const completion: ChatCompletion = {
    object: 'chat.completion',
    choices: [{ index: 0, message, finish_reason: finishReason }],
  };
  if (id !== undefined) completion.id = id;
  if (model !== undefined) completion.model = model;
  if (created !== undefined) completion.created = created;
  if (usage !== undefined) completion.usage = usage;
  return completion;
}
