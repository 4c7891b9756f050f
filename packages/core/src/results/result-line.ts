import { z } from 'zod';
import { LineUsage } from '../usage/usage';

/** Final status of one input line. */
export const LineStatus = z.enum(['succeeded', 'failed', 'cancelled', 'expired']);
export type LineStatus = z.infer<typeof LineStatus>;

/**
 * Machine-readable reasons a line failed. Input errors are found at fan-out; the rest at the worker.
 */
export const LineErrorCode = z.enum([
  /** Not valid JSON, or not an object. */
  'invalid_json',
  /** JSON that matches no accepted input format (schema error, bad role, empty messages, …). */
  'invalid_request',
  /** A `custom_id` already used by an earlier line of the same job. */
  'duplicate_custom_id',
  /** The line is longer than the configured limit. */
  'line_too_large',
  /** The line is not valid UTF-8. */
  'invalid_utf8',
  /** The endpoint refused the request for good (4xx other than the retryable ones). */
  'endpoint_rejected',
  /** Retryable failures until the attempt limit ran out. */
  'attempts_exhausted',
  /** The endpoint had no capacity for the line within the longest wait or before the job's deadline. */
  'rate_limited',
  /** The job's deadline passed before the line finished. */
  'deadline_exceeded',
  /** The job was cancelled before the line finished. */
  'cancelled',
  /** The work item was dead-lettered after exhausting its deliveries. */
  'dead_lettered',
  /** The work item was handed back to the queue as often as allowed (`maxHandoffs`) without finishing the line. */
  'handoffs_exhausted',
  /** The endpoint answered 200 with a body that could not be used. */
  'invalid_response',
  /** The answer came, but the object store refused its result for good (e.g. too large): not kept. */
  'result_not_stored',
  /** Anything else; the message says what. */
  'internal_error',
]);
export type LineErrorCode = z.infer<typeof LineErrorCode>;

export const LineError = z.object({
  code: LineErrorCode,
  message: z.string(),
  /** HTTP status of the last endpoint response, when there was one. */
  http_status: z.number().int().optional(),
});
export type LineError = z.infer<typeof LineError>;

/** One line of `results.jsonl`: exactly one per non-blank input line, in input order. */
export const ResultLine = z.object({
  custom_id: z.string(),
  /** 1-based physical line number in the input file. */
  line: z.number().int().positive(),
  status: LineStatus,
  reasoning: z.string().nullable(),
  answer: z.string().nullable(),
  finish_reason: z.string().nullable(),
  /** Null when no call returned usage (input errors, calls that never answered). */
  usage: LineUsage.nullable(),
  /** Endpoint calls made for this line (0 for input errors). */
  attempts: z.number().int().nonnegative(),
  /** Wall time from the first attempt's start to the last attempt's end, in ms; null without attempts. */
  latency_ms: z.number().int().nonnegative().nullable(),
  /** Model that answered (as the endpoint reported it), else the model requested, else null. */
  model: z.string().nullable(),
  /** Endpoint request id of the last attempt, when known (used for the OpenAI Batch output format). */
  request_id: z.string().nullable(),
  error: LineError.nullable(),
});
export type ResultLine = z.infer<typeof ResultLine>;
