import { z } from 'zod';
import { describeJsonValue } from './describe-json-value';

/*
 * Zod schemas of the accepted input line formats. Every issue message is written to read after the path
 * it concerns (`messages[2].role "tool" is not supported …`), so the normaliser can prefix path and line.
 */

/** Longest accepted `custom_id`. */
export const MAX_CUSTOM_ID_LENGTH = 256;

/** The only endpoint an OpenAI Batch line may target. */
export const CHAT_COMPLETIONS_URL = '/v1/chat/completions';

type IssueInput = { readonly input?: unknown };

/** `is required` when the key is missing, else `must be <what>, got <value>`. */
function mustBe(what: string) {
  return (issue: IssueInput): string =>
    issue.input === undefined ? 'is required' : `must be ${what}, got ${describeJsonValue(issue.input)}`;
}

function notSupported(expected: string) {
  return (issue: IssueInput): string =>
    issue.input === undefined
      ? 'is required'
      : `${describeJsonValue(issue.input)} is not supported (${expected})`;
}

/** Error for a strict object: names unknown keys and lists the allowed ones; or says it is no object. */
function objectError(allowed: readonly string[], nested: boolean) {
  return (issue: IssueInput & { readonly code?: string; readonly keys?: readonly string[] }) => {
    if (issue.code !== 'unrecognized_keys') return mustBe('an object')(issue);
    const keys = issue.keys ?? [];
    const listed = keys.map((key) => describeJsonValue(key)).join(', ');
    const noun = keys.length === 1 ? 'key' : 'keys';
    return `${nested ? 'has unknown' : 'unknown'} ${noun} ${listed} (allowed: ${allowed.join(', ')})`;
  };
}

function boundedNumber(what: string, min: number, max: number) {
  const error = mustBe(what);
  return z.number({ error }).min(min, { error }).max(max, { error });
}

const ROLES = ['system', 'user', 'assistant'] as const;

/** One chat message of an input line: text content only. */
export const InputMessage = z.strictObject(
  {
    role: z.enum(ROLES, { error: notSupported('expected system, user or assistant') }),
    content: z.string({ error: mustBe('a string (R1 takes text only)') }),
  },
  { error: objectError(['role', 'content'], true) },
);
export type InputMessage = z.infer<typeof InputMessage>;

/** A conversation: non-empty, with at least one user message. */
export const InputMessages = z
  .array(InputMessage, { error: mustBe('an array of messages') })
  .min(1, { error: 'must not be empty' })
  .refine((messages) => messages.length === 0 || messages.some((message) => message.role === 'user'), {
    error: 'must contain at least one user message',
  });

/** `custom_id`: 1–256 characters. */
export const CustomId = z
  .string({ error: mustBe('a non-empty string') })
  .min(1, { error: mustBe('a non-empty string') })
  .max(MAX_CUSTOM_ID_LENGTH, {
    error: (issue) =>
      `is ${typeof issue.input === 'string' ? issue.input.length : 'too many'} characters long (at most ${MAX_CUSTOM_ID_LENGTH})`,
  });

const Prompt = z
  .string({ error: mustBe('a non-empty string') })
  .refine((prompt) => prompt.trim() !== '', { error: mustBe('a non-empty string') });

/** The chat parameters a simple line may set at top level (a Batch line's body may set any). */
export const ChatParams = {
  model: z
    .string({ error: mustBe('a non-empty string') })
    .min(1, { error: mustBe('a non-empty string') })
    .max(256, { error: mustBe('a model name of at most 256 characters') })
    .optional(),
  temperature: boundedNumber('a number between 0 and 2', 0, 2).optional(),
  top_p: z
    .number({ error: mustBe('a number greater than 0 and at most 1') })
    .gt(0, { error: mustBe('a number greater than 0 and at most 1') })
    .max(1, { error: mustBe('a number greater than 0 and at most 1') })
    .optional(),
  max_tokens: z
    .number({ error: mustBe('a positive integer') })
    .int({ error: mustBe('a positive integer') })
    .positive({ error: mustBe('a positive integer') })
    .optional(),
  stop: z
    .union([z.string(), z.array(z.string())], {
      error: (issue) =>
        Array.isArray(issue.input)
          ? 'must be a string or an array of strings, got an array holding a non-string'
          : mustBe('a string or an array of strings')(issue),
    })
    .optional(),
  seed: z
    .number({ error: mustBe('an integer') })
    .int({ error: mustBe('an integer') })
    .optional(),
  presence_penalty: boundedNumber('a number between -2 and 2', -2, 2).optional(),
  frequency_penalty: boundedNumber('a number between -2 and 2', -2, 2).optional(),
} as const;

/** Keys accepted and then dropped: the model client decides streaming, and a line gets one completion. */
export const IgnoredParams = {
  stream: z.boolean({ error: mustBe('a boolean') }).optional(),
  stream_options: z.unknown().optional(),
  n: z
    .literal(1, { error: notSupported('one completion per line; repeat the line under another custom_id') })
    .optional(),
} as const;

/** Keys named in "allowed" lists (the ignored ones are accepted but not advertised). */
const PARAM_KEYS = Object.keys(ChatParams);

/** Simple line with a single user prompt: `{"custom_id"?, "prompt", ...params}`. */
export const PromptInputLine = z.strictObject(
  { custom_id: CustomId.optional(), prompt: Prompt, ...ChatParams, ...IgnoredParams },
  { error: objectError(['custom_id', 'prompt', ...PARAM_KEYS], false) },
);
export type PromptInputLine = z.infer<typeof PromptInputLine>;

/** Simple line with a conversation: `{"custom_id"?, "messages", ...params}`. */
export const MessagesInputLine = z.strictObject(
  { custom_id: CustomId.optional(), messages: InputMessages, ...ChatParams, ...IgnoredParams },
  { error: objectError(['custom_id', 'messages', ...PARAM_KEYS], false) },
);
export type MessagesInputLine = z.infer<typeof MessagesInputLine>;

/** Body of an OpenAI Batch line: messages required, known parameters checked, any other kept as given. */
export const BatchInputBody = z.looseObject(
  { messages: InputMessages, ...ChatParams, ...IgnoredParams },
  { error: mustBe('an object') },
);
export type BatchInputBody = z.infer<typeof BatchInputBody>;

/** OpenAI Batch input line: `{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}`. */
export const BatchInputLine = z.strictObject(
  {
    custom_id: CustomId,
    method: z.literal('POST', { error: notSupported('only POST') }),
    url: z.literal(CHAT_COMPLETIONS_URL, {
      error: notSupported(`only ${CHAT_COMPLETIONS_URL}: thinkbatch runs chat completions`),
    }),
    body: BatchInputBody,
  },
  { error: objectError(['custom_id', 'method', 'url', 'body'], false) },
);
export type BatchInputLine = z.infer<typeof BatchInputLine>;
