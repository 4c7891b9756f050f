import { ErrorCode } from '../errors/error-code';
import { ThinkbatchError, type ThinkbatchErrorOptions } from '../errors/thinkbatch-error';
import type { WorkMessage } from '../job/work-message';

/**
 * Port: the work queue (SQS). Consumption is not part of the port: Lambda's event source (or the local
 * runtime's poller) delivers messages to the worker handler.
 */
export interface WorkQueue {
  /**
   * Send messages; resolves only when every message was accepted. Adapters batch (≤ 10 entries and
   * ≤ 1 MiB per SendMessageBatch), retry entries that fail inside a successful response, and throw a
   * `WorkQueueError` naming what could not be sent after their retries.
   */
  send(messages: readonly WorkMessage[], options?: { readonly delaySeconds?: number }): Promise<void>;
}

/** A send the queue did not accept. `code`: `invalid_value` (a message it refuses), `unavailable` or `unknown`. */
export class WorkQueueError extends ThinkbatchError {
  override name = 'WorkQueueError';
  constructor(message: string, options: ThinkbatchErrorOptions = {}) {
    super(message, { code: ErrorCode.unknown, ...options });
  }
}
