import type { WorkQueue } from '../ports/work-queue';
import { WorkQueueError } from '../ports/work-queue';
import { QUEUE } from '../settings';
import type { WorkMessage } from '../work-message';

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

/**
 * Create an in-memory work queue. It refuses what SQS would refuse (a message whose JSON is over
 * `QUEUE.maximumMessageSizeBytes`, a delay outside 0..`QUEUE.maxDelaySeconds` whole seconds) before
 * recording anything, so unit tests see the same failures as the SQS adapter.
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
        );
      }
      for (const message of messages) {
        const bytes = encoder.encode(JSON.stringify(message)).byteLength;
        if (bytes > QUEUE.maximumMessageSizeBytes) {
          const what =
            message.type === 'run_chunk'
              ? `run_chunk of job ${message.jobId} chunk ${message.chunk}`
              : `finalize_job of job ${message.jobId}`;
          throw new WorkQueueError(
            `${what} is ${bytes} bytes, more than the queue limit of ${QUEUE.maximumMessageSizeBytes}`,
          );
        }
      }
      for (const message of messages) sent.push({ message: structuredClone(message), delaySeconds });
    },
    drain: () => {
      const out = sent.slice(drained);
      drained = sent.length;
      return out;
    },
  };
}
