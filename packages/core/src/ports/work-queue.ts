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

/**
 * A send that failed after the adapter's own retries. `permanent` says no retry can help (the queue
 * refused the message as the sender's fault, the queue does not exist, access is denied): the caller
 * fails the job instead of throwing for another delivery. `code`: `invalid_value` (a message the queue
 * refuses), `unavailable` or `unknown`.
 */
export class WorkQueueError extends ThinkbatchError {
  override name = 'WorkQueueError';
  /** @default false */
  readonly permanent: boolean;
  constructor(message: string, options: ThinkbatchErrorOptions & { readonly permanent?: boolean } = {}) {
    const { permanent = false, ...rest } = options;
    super(message, { code: ErrorCode.unknown, ...rest });
    this.permanent = permanent;
  }
}

/** Whether an error is a send the queue will never accept, however often it is retried. */
export function isPermanentQueueFailure(error: unknown): error is WorkQueueError {
  return error instanceof WorkQueueError && error.permanent;
}
