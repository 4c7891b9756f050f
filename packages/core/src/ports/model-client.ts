import type { ChatRequestBody } from '../completion/chat';
import type { ChatCompletion } from '../completion/chat-completion';

/** Options for one endpoint call (one attempt; retries are the caller's, see retry-policy). */
export interface ModelCallOptions {
  /** Abort the attempt after this many milliseconds and report a `timeout` failure. */
  readonly timeoutMs: number;
  /** Abort from outside (cancellation, Lambda about to time out); reported as an `aborted` failure. */
  readonly signal?: AbortSignal;
}

/** Why one attempt failed, translated from vendor errors at the adapter. The core never sees SDK errors. */
export type ModelCallFailure =
  | {
      readonly type: 'http_error';
      readonly status: number;
      readonly message: string;
      /** From `retry-after-ms` or `retry-after` (seconds or HTTP date), when the server sent one. */
      readonly retryAfterMs: number | null;
      readonly requestId: string | null;
    }
  | { readonly type: 'timeout'; readonly message: string }
  | { readonly type: 'connection_error'; readonly message: string }
  /** HTTP 200 whose body is not a usable chat completion (non-JSON, truncated, no choices). */
  | { readonly type: 'invalid_response'; readonly message: string; readonly requestId: string | null }
  | { readonly type: 'aborted'; readonly message: string };

/**
 * One attempt's outcome. `sentAt` (clock ms): when the request really went out — written to the socket,
 * or as near to it as the client can tell — absent when the client cannot tell or no request left. The
 * rate gate counts a call late from it (the work between the call and the write is the call's lateness).
 */
export type ModelCallResult =
  | {
      readonly kind: 'completed';
      readonly completion: ChatCompletion;
      readonly requestId: string | null;
      readonly latencyMs: number;
      readonly sentAt?: number;
    }
  | {
      readonly kind: 'failed';
      readonly failure: ModelCallFailure;
      readonly latencyMs: number;
      readonly sentAt?: number;
    };

/**
 * Port: run one chat completion request against a reasoning endpoint, once. Implementations never throw
 * for endpoint failures; they return `{ kind: 'failed' }` with a translated failure. They make no retries.
 */
export interface ModelClient {
  complete(body: ChatRequestBody, options: ModelCallOptions): Promise<ModelCallResult>;
}
