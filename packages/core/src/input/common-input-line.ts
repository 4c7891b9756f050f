import type { ChatMessage } from '../completion/chat';
import { CHAT_COMPLETIONS_URL, MAX_CUSTOM_ID_LENGTH } from './input-line-schemas';

/** A line read into its messages, parameters and custom_id — or why it is no request. */
export type ParsedLine =
  | {
      readonly ok: true;
      readonly messages: ChatMessage[];
      readonly params: Record<string, unknown>;
      readonly customId?: string;
    }
  | { readonly ok: false; readonly message: string };

/** A line read as a request. */
export type RequestLine = ParsedLine & { readonly ok: true };

/*
 * The cheap path of `normalizeInputLine` for the shapes nearly every input has: a simple `prompt` or
 * `messages` line, or an OpenAI Batch line, with only the common parameters. It accepts a line only when
 * the full path (the zod schemas and the shape check) would accept it, and reads it into the same value;
 * for anything else (an error, an unusual key or value) it answers null and the full path decides, so
 * every verdict and error message is the full path's. `common-input-line.test.ts` compares the two on
 * generated and hostile lines.
 */

/** The common parameters, in the order the schemas' output lists them (`ChatParams`). */
const PARAMS = ['model', 'temperature', 'top_p', 'max_tokens'] as const;
const SIMPLE_KEYS = new Set<string>(['custom_id', 'prompt', 'messages', ...PARAMS]);
const BATCH_KEYS = new Set<string>(['custom_id', 'method', 'url', 'body']);
const BODY_KEYS = new Set<string>(['messages', ...PARAMS]);
const ROLES = new Set<string>(['system', 'user', 'assistant']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isCustomId = (value: unknown): value is string =>
  typeof value === 'string' && value.length >= 1 && value.length <= MAX_CUSTOM_ID_LENGTH;

/** Whether `value[key]` (present) is a common parameter's valid value. */
function isValidParam(key: (typeof PARAMS)[number], value: unknown): boolean {
  switch (key) {
    case 'model':
      return typeof value === 'string' && value.length >= 1 && value.length <= 256;
    case 'temperature':
      return typeof value === 'number' && value >= 0 && value <= 2;
    case 'top_p':
      return typeof value === 'number' && value > 0 && value <= 1;
    case 'max_tokens':
      return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
  }
}

/** The common parameters `source` gives, checked, in schema order; null when one is not valid. */
function readParams(source: Record<string, unknown>): Record<string, unknown> | null {
  const params: Record<string, unknown> = {};
  for (const key of PARAMS) {
    if (!(key in source)) continue;
    const value = source[key];
    if (!isValidParam(key, value)) return null;
    params[key] = value;
  }
  return params;
}

/** Messages of text content with at least one user message, copied; null for anything else. */
function readMessages(value: unknown): ChatMessage[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const messages: ChatMessage[] = [];
  let user = false;
  for (const message of value) {
    if (!isPlainObject(message)) return null;
    let keys = 0;
    for (const key in message) {
      if (key !== 'role' && key !== 'content') return null;
      keys += 1;
    }
    const { role, content } = message;
    if (keys !== 2 || typeof role !== 'string' || !ROLES.has(role) || typeof content !== 'string')
      return null;
    if (role === 'user') user = true;
    messages.push({ role: role as ChatMessage['role'], content });
  }
  return user ? messages : null;
}

function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

function withCustomId(
  messages: ChatMessage[],
  params: Record<string, unknown>,
  customId: unknown,
): RequestLine | null {
  if (customId === undefined) return { ok: true, messages, params };
  return isCustomId(customId) ? { ok: true, messages, params, customId } : null;
}

/**
 * Read a parsed JSON object of a common shape, or null when the full validation must decide (errors
 * are the full path's to word).
 */
export function parseCommonLine(value: Record<string, unknown>): RequestLine | null {
  if ('body' in value || 'method' in value || 'url' in value) {
    if (!onlyKeys(value, BATCH_KEYS) || value['method'] !== 'POST' || value['url'] !== CHAT_COMPLETIONS_URL)
      return null;
    const { custom_id: customId, body } = value;
    if (!isCustomId(customId) || !isPlainObject(body) || !onlyKeys(body, BODY_KEYS)) return null;
    const messages = readMessages(body['messages']);
    const params = readParams(body);
    if (messages === null || params === null) return null;
    return { ok: true, messages, params, customId };
  }
  if (!onlyKeys(value, SIMPLE_KEYS)) return null;
  const params = readParams(value);
  if (params === null) return null;
  const hasPrompt = 'prompt' in value;
  if (hasPrompt === 'messages' in value) return null;
  if (hasPrompt) {
    const { prompt } = value;
    if (typeof prompt !== 'string' || prompt.trim() === '') return null;
    return withCustomId([{ role: 'user', content: prompt }], params, value['custom_id']);
  }
  const messages = readMessages(value['messages']);
  return messages === null ? null : withCustomId(messages, params, value['custom_id']);
}
