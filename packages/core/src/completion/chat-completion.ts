import { z } from 'zod';

/**
 * The parts of an OpenAI-compatible chat completion that thinkbatch reads. Unknown fields are kept, so
 * the raw body can be written back out (OpenAI Batch output format) unchanged.
 */
export const ChatCompletionMessage = z.looseObject({
  role: z.string().optional(),
  content: z.string().nullable().optional(),
  /** DeepSeek API and NVIDIA: the chain of thought. */
  reasoning_content: z.string().nullable().optional(),
  /** vLLM's name for the same field. */
  reasoning: z.string().nullable().optional(),
});
export type ChatCompletionMessage = z.infer<typeof ChatCompletionMessage>;

export const ChatCompletionChoice = z.looseObject({
  index: z.number().int().optional(),
  message: ChatCompletionMessage,
  finish_reason: z.string().nullable().optional(),
});
export type ChatCompletionChoice = z.infer<typeof ChatCompletionChoice>;

export const ChatCompletion = z.looseObject({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  choices: z.array(ChatCompletionChoice).min(1),
  /** Raw usage as the endpoint sent it; see `normalizeUsage`. Absent on some servers. */
  usage: z.unknown().optional(),
});
export type ChatCompletion = z.infer<typeof ChatCompletion>;

/** One server-sent chunk of a streamed chat completion. */
export const ChatCompletionChunk = z.looseObject({
  id: z.string().optional(),
  model: z.string().optional(),
  choices: z.array(
    z.looseObject({
      index: z.number().int().optional(),
      delta: z
        .looseObject({
          role: z.string().nullable().optional(),
          content: z.string().nullable().optional(),
          reasoning_content: z.string().nullable().optional(),
          reasoning: z.string().nullable().optional(),
        })
        .optional(),
      finish_reason: z.string().nullable().optional(),
    }),
  ),
  usage: z.unknown().optional(),
});
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;
