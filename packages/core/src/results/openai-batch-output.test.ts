import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toOpenAIBatchOutputLine } from './openai-batch-output';
import type { ResultLine } from './result-line';

/*
 * Mirrors of OpenAI's published shapes (OpenAPI `BatchRequestOutput`, openai-node `ChatCompletion` and
 * `CompletionUsage`), written from the spec and not from the code under test.
 */
const OpenAICompletionUsage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  completion_tokens_details: z.object({ reasoning_tokens: z.number().int().optional() }).optional(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int().optional() }).optional(),
});
const OpenAIChatCompletion = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.looseObject({
        role: z.literal('assistant'),
        content: z.string().nullable(),
        refusal: z.string().nullable(),
      }),
      logprobs: z.unknown().nullable(),
      finish_reason: z.enum(['stop', 'length', 'tool_calls', 'content_filter', 'function_call']),
    }),
  ),
  usage: OpenAICompletionUsage.optional(),
});
const OpenAIBatchRequestOutput = z.strictObject({
  id: z.string(),
  custom_id: z.string(),
  response: z
    .strictObject({
      status_code: z.number().int(),
      request_id: z.string().optional(),
      body: z.record(z.string(), z.unknown()),
    })
    .nullable(),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
});
const OpenAIErrorBody = z.object({
  error: z.object({ message: z.string(), type: z.string(), param: z.null(), code: z.string().nullable() }),
});

function resultLine(overrides: Partial<ResultLine> = {}): ResultLine {
  return {
    custom_id: 'q-1',
    line: 7,
    status: 'succeeded',
    reasoning: 'Two and two make four.',
    answer: '4',
    finish_reason: 'stop',
    usage: {
      prompt_tokens: 12,
      completion_tokens: 340,
      total_tokens: 352,
      reasoning_tokens: 300,
      cached_prompt_tokens: 8,
      estimated_reasoning_tokens: null,
    },
    attempts: 1,
    latency_ms: 1234,
    model: 'deepseek-ai/deepseek-r1',
    request_id: 'req-abc',
    error: null,
    ...overrides,
  };
}

function output(result: ResultLine, options = {}) {
  const line = toOpenAIBatchOutputLine(result, options);
  // What a JSONL reader sees: the parsed JSON text, which must match OpenAI's format.
  const parsed: unknown = JSON.parse(JSON.stringify(line));
  expect(OpenAIBatchRequestOutput.parse(parsed)).toEqual(parsed);
  return line;
}

describe('toOpenAIBatchOutputLine', () => {
  it('rebuilds a chat.completion for a succeeded line', () => {
    const line = output(resultLine(), {
      batchRequestIdPrefix: 'job9',
      createdAt: Date.UTC(2026, 0, 1, 0, 0, 0, 999),
    });
    expect(line).toEqual({
      id: 'batch_req_job9_7',
      custom_id: 'q-1',
      response: {
        status_code: 200,
        request_id: 'req-abc',
        body: {
          id: 'chatcmpl-job9_7',
          object: 'chat.completion',
          created: 1_767_225_600,
          model: 'deepseek-ai/deepseek-r1',
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: '4',
                reasoning_content: 'Two and two make four.',
                refusal: null,
              },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
          usage: {
            prompt_tokens: 12,
            completion_tokens: 340,
            total_tokens: 352,
            completion_tokens_details: { reasoning_tokens: 300 },
            prompt_tokens_details: { cached_tokens: 8 },
          },
        },
      },
      error: null,
    });
    expect(OpenAIChatCompletion.parse(line.response?.body)).toBeTruthy();
  });

  it('omits unknown counts instead of writing 0, and drops estimates', () => {
    const usage = {
      prompt_tokens: 12,
      completion_tokens: null,
      total_tokens: null,
      reasoning_tokens: null,
      cached_prompt_tokens: null,
      estimated_reasoning_tokens: 250,
    };
    const body = output(resultLine({ usage })).response?.body;
    expect(body).toHaveProperty('usage', { prompt_tokens: 12 });
    const none = output(resultLine({ usage: null })).response?.body;
    expect(none).not.toHaveProperty('usage');
  });

  it('leaves out what the line does not know: request id, model, created', () => {
    const line = output(
      resultLine({ request_id: null, model: null, reasoning: null, finish_reason: 'length' }),
    );
    expect(line.id).toBe('batch_req_7');
    expect(line.response).not.toHaveProperty('request_id');
    expect(line.response?.body).not.toHaveProperty('model');
    expect(line.response?.body).not.toHaveProperty('created');
    expect(line.response?.body).toMatchObject({
      id: 'chatcmpl-7',
      choices: [{ message: { reasoning_content: null }, finish_reason: 'length' }],
    });
  });

  it('writes an HTTP error response for a line whose last call failed with a status', () => {
    const result = resultLine({
      status: 'failed',
      answer: null,
      reasoning: null,
      usage: null,
      attempts: 1,
      error: { code: 'endpoint_rejected', message: 'line 7: 400 bad request', http_status: 400 },
    });
    const line = output(result, { batchRequestIdPrefix: 'j' });
    expect(line).toEqual({
      id: 'batch_req_j_7',
      custom_id: 'q-1',
      response: {
        status_code: 400,
        request_id: 'req-abc',
        body: {
          error: {
            message: 'line 7: 400 bad request',
            type: 'invalid_request_error',
            param: null,
            code: 'endpoint_rejected',
          },
        },
      },
      error: null,
    });
    expect(OpenAIErrorBody.parse(line.response?.body)).toBeTruthy();
    const serverError = output({
      ...result,
      error: { code: 'attempts_exhausted', message: 'm', http_status: 503 },
    });
    expect(serverError.response).toMatchObject({
      status_code: 503,
      body: { error: { type: 'server_error' } },
    });
  });

  it('writes a top-level error for failures without an HTTP error status', () => {
    const invalid = resultLine({
      status: 'failed',
      usage: null,
      attempts: 0,
      request_id: null,
      error: { code: 'invalid_request', message: 'line 7: prompt must be a non-empty string, got ""' },
    });
    expect(output(invalid)).toEqual({
      id: 'batch_req_7',
      custom_id: 'q-1',
      response: null,
      error: { code: 'invalid_request', message: 'line 7: prompt must be a non-empty string, got ""' },
    });
    const badBody = {
      ...invalid,
      error: { code: 'invalid_response' as const, message: 'm', http_status: 200 },
    };
    expect(output(badBody)).toMatchObject({ response: null, error: { code: 'invalid_response' } });
    expect(output({ ...invalid, error: null }).error).toEqual({
      code: 'internal_error',
      message: 'line 7: the request failed',
    });
  });

  it("uses OpenAI's codes for cancelled and expired lines", () => {
    expect(output(resultLine({ status: 'cancelled', error: null })).error).toEqual({
      code: 'batch_cancelled',
      message: 'line 7: the job was cancelled before this request finished',
    });
    const expired = resultLine({
      status: 'expired',
      error: { code: 'deadline_exceeded', message: 'line 7: deadline passed', http_status: 429 },
    });
    expect(output(expired)).toMatchObject({
      response: null,
      error: { code: 'batch_expired', message: 'line 7: deadline passed' },
    });
  });

  it('gives every line of a job a distinct, repeatable id', () => {
    const ids = [1, 2, 10, 12, 21].map(
      (line) => toOpenAIBatchOutputLine(resultLine({ line }), { batchRequestIdPrefix: 'j1' }).id,
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(toOpenAIBatchOutputLine(resultLine(), { batchRequestIdPrefix: 'j1' })).toEqual(
      toOpenAIBatchOutputLine(resultLine(), { batchRequestIdPrefix: 'j1' }),
    );
  });
});
