import type { ChatRequestBody } from '@thinkbatch/core';
import type OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import {
  BODY_BYTES_PER_ANSWER_CHAR,
  parseCompletionBody,
  type ReadOutcome,
  readBoundedText,
  readChunkStream,
} from './completion-reader';
import { readServerSentChunks } from './server-sent-chunks';

/** SDK request options of one attempt. */
export interface AttemptRequestOptions {
  readonly signal: AbortSignal;
  readonly timeout: number;
  readonly maxRetries: 0;
}

/**
 * Send one request through the SDK and read its body into a completion. The line's own `stream` and
 * `stream_options` are replaced: streaming is the client's decision, and a stream always asks for usage.
 * Throws whatever the SDK or the body read throws; `onHeaders` sees the response as soon as it arrives.
 *
 * The casts: `ChatRequestBody` is a loose superset (any OpenAI parameter a line gave is passed through)
 * that the SDK's closed parameter types cannot express.
 */
export async function runAttempt(
  client: OpenAI,
  body: ChatRequestBody,
  stream: boolean,
  requestOptions: AttemptRequestOptions,
  onHeaders: (response: Response) => void,
  maxAnswerChars: number,
): Promise<ReadOutcome> {
  const { stream: _stream, stream_options: _streamOptions, ...rest } = body;
  if (stream) {
    const params = { ...rest, stream: true, stream_options: { include_usage: true } };
    const response = await client.chat.completions
      .create(params as ChatCompletionCreateParamsStreaming, requestOptions)
      .asResponse();
    onHeaders(response);
    const maxEventChars = maxAnswerChars * BODY_BYTES_PER_ANSWER_CHAR;
    return readChunkStream(readServerSentChunks(response, maxEventChars), maxAnswerChars);
  }
  const params = { ...rest, stream: false };
  const response = await client.chat.completions
    .create(params as ChatCompletionCreateParamsNonStreaming, requestOptions)
    .asResponse();
  onHeaders(response);
  const maxBytes = maxAnswerChars * BODY_BYTES_PER_ANSWER_CHAR;
  const text = await readBoundedText(response, maxBytes);
  if (text === null) {
    return { kind: 'invalid', message: `response body longer than ${maxBytes} bytes; stopped reading` };
  }
  return parseCompletionBody(text);
}
