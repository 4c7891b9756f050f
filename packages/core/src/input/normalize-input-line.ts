import type { z } from 'zod';
import type { ChatMessage, ChatRequestBody, NormalizedRequest } from '../completion/chat';
import { ThinkbatchError } from '../errors/thinkbatch-error';
import type { JobDefaults } from '../job/job-defaults';
import type { LineError, LineErrorCode } from '../results/result-line';
import { type ParsedLine, parseCommonLine, type RequestLine } from './common-input-line';
import { describeJsonValue } from './describe-json-value';
import { foldSystemIntoUser } from './fold-system-into-user';
import {
  BatchInputLine,
  MAX_CUSTOM_ID_LENGTH,
  MessagesInputLine,
  PromptInputLine,
} from './input-line-schemas';
import { findJsonShapeProblem } from './json-shape';

/** Outcome of reading one input line. Invalid lines are values: they become failed result lines. */
export type NormalizeInputLineResult =
  | { readonly kind: 'valid'; readonly request: NormalizedRequest }
  | {
      readonly kind: 'invalid';
      /** The line's own custom_id when it is a string of 1–256 characters, else `line-<n>`. */
      readonly customId: string;
      readonly error: LineError;
    };

/** The custom_id of a line that gives none: `line-<n>`, n the 1-based physical line number. */
export function defaultCustomId(lineNumber: number): string {
  return `line-${lineNumber}`;
}

const MAX_ISSUES_SHOWN = 5;
const MAX_JSON_ERROR_LENGTH = 200;

/** Format a zod issue path as `body.messages[2].role`. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, MAX_ISSUES_SHOWN).map((issue) => {
    const path = formatPath(issue.path);
    return path === '' ? issue.message : `${path} ${issue.message}`;
  });
  const more = issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')} (and ${more} more)` : shown.join('; ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fromSchema<T>(result: z.ZodSafeParseResult<T>, take: (line: T) => ParsedLine): ParsedLine {
  return result.success ? take(result.data) : { ok: false, message: formatIssues(result.error.issues) };
}

/** Pick the format by its keys, then validate with that format's schema. */
function parseLine(value: Record<string, unknown>): ParsedLine {
  if ('body' in value || 'method' in value || 'url' in value) {
    return fromSchema(BatchInputLine.safeParse(value), ({ custom_id, body }) => {
      const { messages, stream: _stream, stream_options: _streamOptions, n: _n, ...params } = body;
      return { ok: true, messages, params, customId: custom_id };
    });
  }
  if ('prompt' in value && 'messages' in value) {
    return { ok: false, message: 'give either "prompt" or "messages", not both' };
  }
  if ('prompt' in value) {
    return fromSchema(PromptInputLine.safeParse(value), (line) => {
      const { custom_id, prompt, stream: _stream, stream_options: _streamOptions, n: _n, ...params } = line;
      return withCustomId([{ role: 'user', content: prompt }], params, custom_id);
    });
  }
  if ('messages' in value) {
    return fromSchema(MessagesInputLine.safeParse(value), (line) => {
      const { custom_id, messages, stream: _stream, stream_options: _streamOptions, n: _n, ...params } = line;
      return withCustomId(messages, params, custom_id);
    });
  }
  return {
    ok: false,
    message:
      'expected "prompt" or "messages" (simple line), or "custom_id", "method", "url" and "body" (OpenAI Batch line)',
  };
}

function withCustomId(
  messages: ChatMessage[],
  params: Record<string, unknown>,
  customId: string | undefined,
): ParsedLine {
  return customId === undefined ? { ok: true, messages, params } : { ok: true, messages, params, customId };
}

/** Apply the job's defaults: a line's own values win. Never sets `stream`. */
function buildBody(
  messages: ChatMessage[],
  params: Record<string, unknown>,
  defaults: JobDefaults,
): ChatRequestBody {
  const { model, temperature, top_p, max_tokens, ...rest } = params;
  const body: ChatRequestBody = {
    model: typeof model === 'string' ? model : defaults.model,
    messages: defaults.foldSystemPrompt ? foldSystemIntoUser(messages) : messages.map((m) => ({ ...m })),
    temperature: typeof temperature === 'number' ? temperature : defaults.temperature,
  };
  const topP = typeof top_p === 'number' ? top_p : defaults.top_p;
  if (topP !== undefined) body.top_p = topP;
  // OpenAI refuses max_tokens beside max_completion_tokens: a line that sets the latter gets no default.
  const maxTokens =
    typeof max_tokens === 'number'
      ? max_tokens
      : 'max_completion_tokens' in rest
        ? undefined
        : defaults.max_tokens;
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  return Object.assign(body, rest);
}

/**
 * Read one input line (its text, without the line terminator) into the request the workers send, or into
 * a line-numbered, human-readable error (`invalid_json`: not JSON or not an object; `invalid_request`: no
 * accepted format). Accepts OpenAI Batch lines and simple `prompt` / `messages` lines; see
 * input-line-schemas. Duplicate custom_ids are the caller's to detect (see `createCustomIdRegistry`).
 * A `lineNumber` that is not a positive integer is a bug: throws.
 */
export function normalizeInputLine(
  text: string,
  lineNumber: number,
  defaults: JobDefaults,
): NormalizeInputLineResult {
  const read = readInputLine(text, lineNumber);
  return read.ok ? valid(read, lineNumber, defaults) : read.invalid;
}

/** What {@link checkInputLine} says of a line: {@link normalizeInputLine}'s verdict, without the request. */
export type InputLineVerdict =
  | { readonly kind: 'valid'; readonly customId: string }
  | Extract<NormalizeInputLineResult, { kind: 'invalid' }>;

/**
 * {@link normalizeInputLine}'s verdict on a line (the same custom_id, the same error) without building its
 * request: what fan-out needs of every line (workers build the request when they run it).
 */
export function checkInputLine(text: string, lineNumber: number): InputLineVerdict {
  const read = readInputLine(text, lineNumber);
  if (!read.ok) return read.invalid;
  return { kind: 'valid', customId: read.customId ?? defaultCustomId(lineNumber) };
}

type ReadInputLine = RequestLine | { readonly ok: false; readonly invalid: InvalidInputLine };
type InvalidInputLine = Extract<NormalizeInputLineResult, { kind: 'invalid' }>;

function invalidLine(
  lineNumber: number,
  customId: string,
  code: LineErrorCode,
  message: string,
): ReadInputLine {
  return {
    ok: false,
    invalid: { kind: 'invalid', customId, error: { code, message: `line ${lineNumber}: ${message}` } },
  };
}

/** A line parsed and validated (the common shapes cheaply, the rest by the schemas), or why it is invalid. */
function readInputLine(text: string, lineNumber: number): ReadInputLine {
  if (!Number.isInteger(lineNumber) || lineNumber < 1) {
    throw new ThinkbatchError(
      `normalizeInputLine: line number must be a positive integer, got ${lineNumber}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return invalidLine(
      lineNumber,
      defaultCustomId(lineNumber),
      'invalid_json',
      `not valid JSON (${reason.slice(0, MAX_JSON_ERROR_LENGTH)})`,
    );
  }
  if (!isRecord(value)) {
    return invalidLine(
      lineNumber,
      defaultCustomId(lineNumber),
      'invalid_json',
      `expected a JSON object, got ${describeJsonValue(value)}`,
    );
  }
  // Nearly every line has a common shape: read without the schemas (same verdict, same value).
  const common = parseCommonLine(value);
  if (common !== null) return common;
  const parsed = parseInputLine(value);
  if (parsed.ok) return parsed;
  const { custom_id: rawId } = value;
  const readable = typeof rawId === 'string' && rawId !== '' && rawId.length <= MAX_CUSTOM_ID_LENGTH;
  return invalidLine(
    lineNumber,
    readable ? rawId : defaultCustomId(lineNumber),
    'invalid_request',
    parsed.message,
  );
}

/**
 * The full validation of a line parsed as a JSON object: the shape check (forbidden keys, depth), then
 * the schema of its format. `normalizeInputLine` takes it for every line of no common shape.
 */
export function parseInputLine(value: Record<string, unknown>): ParsedLine {
  const shapeProblem = findJsonShapeProblem(value);
  if (shapeProblem !== null) return { ok: false, message: shapeProblem };
  return parseLine(value);
}

function valid(parsed: RequestLine, lineNumber: number, defaults: JobDefaults): NormalizeInputLineResult {
  return {
    kind: 'valid',
    request: {
      customId: parsed.customId ?? defaultCustomId(lineNumber),
      line: lineNumber,
      body: buildBody(parsed.messages, parsed.params, defaults),
    },
  };
}
