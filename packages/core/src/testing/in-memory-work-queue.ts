import type { WorkQueue } from '../ports/work-queue';
import type { WorkMessage } from '../work-message';

export interface SentMessage {
  readonly message: WorkMessage;
  readonly delaySeconds: number;
}

/** A WorkQueue that records what was sent, for unit tests; `drain()` hands the messages out once. */
export interface InMemoryWorkQueue extends WorkQueue {
  readonly sent: readonly SentMessage[];
  drain(): SentMessage[];
}

export function createInMemoryWorkQueue(): InMemoryWorkQueue {
  const sent: SentMessage[] = [];
  let drained = 0;
  return {
    sent,
    send: async (messages, options) => {
      for (const message of messages) {
        sent.push({ message: structuredClone(message), delaySeconds: options?.delaySeconds ?? 0 });
      }
    },
    drain: () => {
      const out = sent.slice(drained);
      drained = sent.length;
      return out;
    },
  };
}
