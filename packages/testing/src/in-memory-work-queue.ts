import type { WorkMessage, WorkQueue } from '@thinkbatch/core';
import {
  decodeWorkMessageBody,
  ErrorCode,
  encodeWorkMessageBody,
  isSqsMessageBody,
  QUEUE,
  WorkQueueError,
} from '@thinkbatch/core';

const INVALID = { code: ErrorCode.invalidValue } as const;

/** One message as the fake recorded it. */
export interface SentMessage {
  readonly message: WorkMessage;
  readonly delaySeconds: number;
}

/** A WorkQueue that records what was sent, for unit tests; `drain()` hands the messages out once. */
export interface InMemoryWorkQueue extends WorkQueue {
  readonly sent: readonly SentMessage[];
  drain(): SentMessage[];
}

const describeMessage = (message: WorkMessage): string =>
  message.type === 'run_chunk'
    ? `run_chunk of job ${message.jobId} chunk ${message.chunk}`
    : `finalize_job of job ${message.jobId}`;

/**
 * Create an in-memory work queue. It encodes each message as the SQS adapter does and refuses what SQS
 * would refuse (a body over `QUEUE.maximumMessageSizeBytes`, a character outside the SQS set, a delay
 * outside 0..`QUEUE.maxDelaySeconds` whole seconds) before recording anything, so unit tests see the same
 * failures as the SQS adapter. What it records is the body read back, as a worker would receive it.
 */
export function createInMemoryWorkQueue(): InMemoryWorkQueue {
  const sent: SentMessage[] = [];
  const encoder = new TextEncoder();
  let drained = 0;
  return {
    sent,
    send: async (messages, options) => {
      const delaySeconds = options?.delaySeconds ?? 0;
      if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > QUEUE.maxDelaySeconds) {
        throw new WorkQueueError(
          `delaySeconds must be an integer in 0..${QUEUE.maxDelaySeconds}, got ${delaySeconds}`,
          INVALID,
        );
      }
      const received = messages.map((message) => {
        const body = encodeWorkMessageBody(message);
        const bytes = encoder.encode(body).byteLength;
        if (bytes > QUEUE.maximumMessageSizeBytes) {
          throw new WorkQueueError(
            `${describeMessage(message)} is ${bytes} bytes, more than the queue limit of ${QUEUE.maximumMessageSizeBytes}`,
            INVALID,
          );
        }
        if (!isSqsMessageBody(body))
          throw new WorkQueueError(`${describeMessage(message)} holds characters SQS refuses`, INVALID);
        // A worker drops a body that does not read back; sending one is a bug, so say so here.
        const decoded = decodeWorkMessageBody(body);
        if (decoded.kind !== 'ok')
          throw new WorkQueueError(
            `${describeMessage(message)} does not read back: ${decoded.reason}`,
            INVALID,
          );
        return decoded.message;
      });
      for (const message of received) sent.push({ message, delaySeconds });
    },
    drain: () => {
      const out = sent.slice(drained);
      drained = sent.length;
      return out;
    },
  };
}
