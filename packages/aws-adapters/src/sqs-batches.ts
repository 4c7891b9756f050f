/** One message ready to send: its id inside the send call and its JSON body. */
export interface QueueEntry {
  readonly id: string;
  readonly body: string;
  /** UTF-8 size of the body. */
  readonly bytes: number;
}

/** SQS limits of one SendMessageBatch request. */
export const SQS_BATCH_LIMITS = {
  /** Entries per request. */
  maxEntries: 10,
  /** Sum of the bodies of one request, and the largest single message (1 MiB since 2025). */
  maxBytes: 1024 * 1024,
} as const;

/**
 * Split entries, in order, into SendMessageBatch requests of at most `maxEntries` entries and `maxBytes`
 * bytes of bodies. Every entry must fit on its own (check before); then no batch is ever empty.
 */
export function planBatches(
  entries: readonly QueueEntry[],
  limits: { readonly maxEntries: number; readonly maxBytes: number } = SQS_BATCH_LIMITS,
): QueueEntry[][] {
  const batches: QueueEntry[][] = [];
  let current: QueueEntry[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    if (entry.bytes > limits.maxBytes) {
      throw new RangeError(`entry ${entry.id} has ${entry.bytes} bytes, more than ${limits.maxBytes}`);
    }
    if (current.length === limits.maxEntries || currentBytes + entry.bytes > limits.maxBytes) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += entry.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
