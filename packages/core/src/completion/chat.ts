import { z } from 'zod';

/** Roles accepted in a chat request. R1 wants no system prompt; see `foldSystemIntoUser` in input-lines. */
export const ChatRole = z.enum(['system', 'user', 'assistant']);
export type ChatRole = z.infer<typeof ChatRole>;

/** One chat message. Content is plain text: R1 takes no images or tool calls. */
export const ChatMessage = z.object({
  role: ChatRole,
  content: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * The body of one chat completion request after normalisation: `model` and `messages` are always set,
 * every other OpenAI chat parameter the line gave (temperature, top_p, max_tokens, stop, seed, …) is kept
 * as given. `stream` is decided by the model client, never by a line.
 */
export const ChatRequestBody = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  max_tokens: z.number().int().positive().optional(),
});
export type ChatRequestBody = z.infer<typeof ChatRequestBody>;

/** A valid input line, normalised: what the workers send to the endpoint. */
export const NormalizedRequest = z.object({
  /** Caller's id, or `line-<n>` when the line gave none. Unique within a job. */
  customId: z.string().min(1),
  /** 1-based physical line number in the input file (blank lines count). */
  line: z.number().int().positive(),
  body: ChatRequestBody,
});
export type NormalizedRequest = z.infer<typeof NormalizedRequest>;
