import { promptKey, promptTextOf, type SimulatedMessage } from '../completion/prompt-key';

/** A chat completion request the simulator accepted. */
export interface ChatRequest {
  readonly body: Readonly<Record<string, unknown>>;
  readonly model: string;
  readonly messages: readonly SimulatedMessage[];
  readonly stream: boolean;
  /** `stream_options.include_usage` was true. */
  readonly includeUsage: boolean;
  /** `max_tokens` or `max_completion_tokens`; null when neither was given. */
  readonly maxTokens: number | null;
  readonly promptText: string;
  readonly promptKey: string;
}

/** An OpenAI-style 400: which parameter is wrong and why. */
export interface RequestProblem {
  readonly message: string;
  readonly code: string;
  readonly param: string | null;
}

export type ParsedChatRequest =
  | { readonly ok: true; readonly request: ChatRequest }
  | { readonly ok: false; readonly problem: RequestProblem };

/** The fields of a JSON request body the simulator reads, all still unchecked. */
interface RawChatBody {
  readonly model?: unknown;
  readonly messages?: unknown;
  readonly stream?: unknown;
  readonly stream_options?: { readonly include_usage?: unknown } | null;
  readonly max_tokens?: unknown;
  readonly max_completion_tokens?: unknown;
}

interface RawPart {
  readonly role?: unknown;
  readonly content?: unknown;
  readonly text?: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const asPart = (value: unknown): RawPart => (isRecord(value) ? value : {});

const problem = (message: string, code: string, param: string | null): ParsedChatRequest => ({
  ok: false,
  problem: { message, code, param },
});

/** Text of a message content: a string, or an array of `{ type: 'text', text }` parts. */
function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts = content.map((part) => {
    const { text } = asPart(part);
    return typeof text === 'string' ? text : null;
  });
  return texts.every((text) => text !== null) ? texts.join('') : null;
}

function parseMessages(value: unknown): SimulatedMessage[] | RequestProblem {
  if (!Array.isArray(value) || value.length === 0) {
    return { message: "'messages' must be a non-empty array", code: 'invalid_value', param: 'messages' };
  }
  const messages: SimulatedMessage[] = [];
  for (const [index, entry] of value.entries()) {
    const { role, content: rawContent } = asPart(entry);
    const content = contentText(rawContent);
    if (typeof role !== 'string' || content === null) {
      const param = `messages[${index}]`;
      return { message: `${param} must have a string role and text content`, code: 'invalid_value', param };
    }
    messages.push({ role, content });
  }
  return messages;
}

function parseMaxTokens(body: RawChatBody): number | null | RequestProblem {
  const param = body.max_tokens === undefined ? 'max_completion_tokens' : 'max_tokens';
  const value = body[param];
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  return { message: `'${param}' must be a positive integer`, code: 'invalid_value', param };
}

/** Validate a raw request body as a chat completion request (model, non-empty messages, sane options). */
export function parseChatRequest(raw: string): ParsedChatRequest {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return problem('We could not parse the JSON body of your request.', 'invalid_json', null);
  }
  if (!isRecord(body)) return problem('The request body must be a JSON object.', 'invalid_json', null);
  const fields: RawChatBody = body;
  const { model } = fields;
  if (typeof model !== 'string' || model === '') {
    return problem(
      "'model' is required and must be a non-empty string",
      'missing_required_parameter',
      'model',
    );
  }
  const messages = parseMessages(fields.messages);
  if (!Array.isArray(messages)) return { ok: false, problem: messages };
  const maxTokens = parseMaxTokens(fields);
  if (maxTokens !== null && typeof maxTokens === 'object') return { ok: false, problem: maxTokens };
  const { stream } = fields;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    return problem("'stream' must be a boolean", 'invalid_type', 'stream');
  }
  return {
    ok: true,
    request: {
      body,
      model,
      messages,
      stream: stream === true,
      includeUsage: fields.stream_options?.include_usage === true,
      maxTokens,
      promptText: promptTextOf(messages),
      promptKey: promptKey(messages),
    },
  };
}
