import type { LineUsage } from '../usage/usage';
import type { ResultLine } from './result-line';

/** Token usage in OpenAI's shape. Only counts the endpoint reported are present: unknown is never 0. */
export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  completion_tokens_details?: { reasoning_tokens: number };
  prompt_tokens_details?: { cached_tokens: number };
}

/** A `chat.completion` object rebuilt from a succeeded result line. */
export interface OpenAIChatCompletionBody {
  id: string;
  object: 'chat.completion';
  /** Unix seconds; present only when `createdAt` was given. */
  created?: number;
  /** Present when the result line knows the model. */
  model?: string;
  choices: [
    {
      index: 0;
      message: { role: 'assistant'; content: string | null; reasoning_content: string | null; refusal: null };
      logprobs: null;
      finish_reason: string | null;
    },
  ];
  usage?: OpenAIUsage;
}

/** An OpenAI-style error body, for lines whose last endpoint call answered with an HTTP error. */
export interface OpenAIErrorBody {
  error: { message: string; type: 'invalid_request_error' | 'server_error'; param: null; code: string };
}

/** One line of an OpenAI Batch output (or error) file. */
export interface OpenAIBatchOutputLine {
  id: string;
  custom_id: string;
  response: {
    status_code: number;
    /** Absent when the endpoint sent no request id. */
    request_id?: string;
    body: OpenAIChatCompletionBody | OpenAIErrorBody;
  } | null;
  error: { code: string; message: string } | null;
}

/** Options of `toOpenAIBatchOutputLine`. */
export interface OpenAIBatchOutputOptions {
  /**
   * Put into every id, e.g. the job id: `batch_req_<prefix>_<line>`. Without it ids are `batch_req_<line>`.
   * @default none
   */
  readonly batchRequestIdPrefix?: string;
  /** Epoch ms written (as Unix seconds) to `created`, e.g. the job's start; omitted when not given. */
  readonly createdAt?: number;
}

function toOpenAIUsage(usage: LineUsage): OpenAIUsage {
  const out: OpenAIUsage = {};
  if (usage.prompt_tokens !== null) out.prompt_tokens = usage.prompt_tokens;
  if (usage.completion_tokens !== null) out.completion_tokens = usage.completion_tokens;
  if (usage.total_tokens !== null) out.total_tokens = usage.total_tokens;
  if (usage.reasoning_tokens !== null) {
    out.completion_tokens_details = { reasoning_tokens: usage.reasoning_tokens };
  }
  if (usage.cached_prompt_tokens !== null) {
    out.prompt_tokens_details = { cached_tokens: usage.cached_prompt_tokens };
  }
  return out;
}

function completionBody(
  result: ResultLine,
  id: string,
  options: OpenAIBatchOutputOptions,
): OpenAIChatCompletionBody {
  const body: OpenAIChatCompletionBody = {
    id,
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: result.answer,
          reasoning_content: result.reasoning,
          refusal: null,
        },
        logprobs: null,
        finish_reason: result.finish_reason,
      },
    ],
  };
  if (options.createdAt !== undefined) body.created = Math.floor(options.createdAt / 1000);
  if (result.model !== null) body.model = result.model;
  if (result.usage !== null) body.usage = toOpenAIUsage(result.usage);
  return body;
}

const DEFAULT_MESSAGES = {
  failed: 'the request failed',
  cancelled: 'the job was cancelled before this request finished',
  expired: 'the job deadline passed before this request finished',
} as const;

/** The part of the ids that tells lines apart: `<prefix>_<line>` or `<line>`. */
function idSuffix(result: ResultLine, prefix: string | undefined): string {
  return prefix === undefined || prefix === '' ? String(result.line) : `${prefix}_${result.line}`;
}

function withRequestId<T extends object>(response: T, requestId: string | null): T & { request_id?: string } {
  return requestId === null ? response : { ...response, request_id: requestId };
}

/**
 * Write a result line as an OpenAI Batch output line, so tools made for OpenAI Batch can read the results.
 * - succeeded: `response` 200 with a `chat.completion` body rebuilt from the line (`reasoning_content`
 *   carries the chain of thought; usage holds only the counts the endpoint reported), `error` null;
 * - failed after an HTTP error (`error.http_status` not 2xx): `response` with that status and an OpenAI
 *   error body (`code` = the line's error code), `error` null;
 * - failed otherwise: `response` null, `error` = the line's error; cancelled and expired lines get OpenAI's
 *   `batch_cancelled` / `batch_expired` codes.
 * Ids are deterministic: `batch_req_<suffix>` for the line and `chatcmpl-<suffix>` for the completion,
 * `<suffix>` being `<prefix>_<line>` (line numbers are unique within a job; custom_ids may hold any
 * character, so they are not used).
 */
export function toOpenAIBatchOutputLine(
  result: ResultLine,
  options: OpenAIBatchOutputOptions = {},
): OpenAIBatchOutputLine {
  const suffix = idSuffix(result, options.batchRequestIdPrefix);
  const line = { id: `batch_req_${suffix}`, custom_id: result.custom_id };
  if (result.status === 'succeeded') {
    const response = { status_code: 200, body: completionBody(result, `chatcmpl-${suffix}`, options) };
    return { ...line, response: withRequestId(response, result.request_id), error: null };
  }
  const message = result.error?.message ?? `line ${result.line}: ${DEFAULT_MESSAGES[result.status]}`;
  if (result.status === 'cancelled')
    return { ...line, response: null, error: { code: 'batch_cancelled', message } };
  if (result.status === 'expired')
    return { ...line, response: null, error: { code: 'batch_expired', message } };
  const code = result.error?.code ?? 'internal_error';
  const status = result.error?.http_status;
  if (status !== undefined && (status < 200 || status > 299)) {
    const type = status >= 500 ? 'server_error' : 'invalid_request_error';
    const body: OpenAIErrorBody = { error: { message, type, param: null, code } };
    return {
      ...line,
      response: withRequestId({ status_code: status, body }, result.request_id),
      error: null,
    };
  }
  return { ...line, response: null, error: { code, message } };
}
