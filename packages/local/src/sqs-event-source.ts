import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type Clock, type Logger, systemClock } from '@thinkbatch/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** One invocation as the event source sees it: when Lambda would kill it, and the signal it is killed by. */
export interface SqsInvocation {
  /** Aborted when the invocation runs past `timeoutMs`: Lambda would kill it there. */
  readonly signal: AbortSignal;
  /** Epoch ms at which it is killed (infinite without a timeout). */
  readonly deadline: number;
}

/** What an SQS event source invokes: Lambda's handler signature, with the invocation instead of the context. */
export type SqsBatchHandler = (
  event: SQSEvent,
  invocation: SqsInvocation,
) => Promise<SQSBatchResponse | undefined>;

export interface SqsEventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** The queue's ARN, as Lambda puts it in `eventSourceARN`. */
  readonly queueArn: string;
  readonly region: string;
  readonly handler: SqsBatchHandler;
  /** Messages per invocation (Lambda's batch size). */
  readonly batchSize: number;
  /** Invocations in flight at once (Lambda's maximum concurrency). */
  readonly maxConcurrency: number;
  /** Long-poll wait per receive. @default 1 */
  readonly waitTimeSeconds?: number;
  readonly log: Logger;
  /** Waits between receive retries and stamps records that lack timestamps. @default systemClock */
  readonly clock?: Clock;
  /**
   * The function's timeout, ms. An invocation still running then is treated as Lambda treats it: killed
   * (its signal aborts), its whole batch left to come back after the visibility timeout whatever it
   * does later, and its concurrency slot freed. @default none
   */
  readonly timeoutMs?: number;
}

/** Pause after a failed receive before the next one. */
export const RECEIVE_RETRY_DELAY_MS = 200;

export interface SqsEventSource {
  /** Stop receiving, then wait for invocations in flight. */
  stop(): Promise<void>;
  /** Invocations so far. */
  readonly invocations: number;
  /** Invocations killed at their timeout so far. */
  readonly timedOut: number;
}

/**
 * A local stand-in for Lambda's SQS event source mapping, on the real SQS API: long-polls the queue,
 * invokes the handler with real `SQSEvent` records, deletes what succeeded and leaves the rest (the
 * `batchItemFailures`, or the whole batch when the handler throws) to come back after the visibility
 * timeout, counting towards maxReceiveCount and the DLQ exactly as on AWS. With `timeoutMs`, an
 * invocation that runs longer is killed as Lambda kills it (see the option).
 */
export function startSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 10) {
    throw new RangeError(
      `batchSize must be an integer from 1 to 10 (SQS receives at most 10), got ${options.batchSize}`,
    );
  }
  if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1) {
    throw new RangeError(`maxConcurrency must be a positive integer, got ${options.maxConcurrency}`);
  }
  const { sqs, queueUrl, log } = options;
  const clock = options.clock ?? systemClock;
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new RangeError(`timeoutMs must be more than 0, got ${options.timeoutMs}`);
  }
  let stopping = false;
  let invocations = 0;
  let timedOut = 0;
  const inFlight = new Set<Promise<void>>();

  /** Run the handler; past the timeout, abort it and give up on its outcome (`timed_out`). */
  const runHandler = async (
    event: SQSEvent,
  ): Promise<{ kind: 'returned'; response: SQSBatchResponse | undefined } | { kind: 'timed_out' }> => {
    const kill = new AbortController();
    const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
    const running = options.handler(event, { signal: kill.signal, deadline: clock.now() + timeoutMs });
    if (!Number.isFinite(timeoutMs)) return { kind: 'returned', response: await running };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const killed = new Promise<{ kind: 'timed_out' }>((resolve) => {
      timer = setTimeout(() => {
        kill.abort(new Error(`invocation timed out after ${timeoutMs} ms`));
        resolve({ kind: 'timed_out' });
      }, timeoutMs);
    });
    // What a killed invocation does afterwards is not its outcome; its late rejection is not an error.
    running.catch(() => {});
    try {
      return await Promise.race([
        running.then((response) => ({ kind: 'returned' as const, response })),
        killed,
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  const invoke = async (messages: Message[]): Promise<void> => {
    const records = messages.map((m) => toRecord(m, options, clock.now()));
    invocations += 1;
    let failedIds: Set<string>;
    try {
      const outcome = await runHandler({ Records: records });
      if (outcome.kind === 'timed_out') {
        timedOut += 1;
        log.error('invocation timed out and was killed; its whole batch comes back', {
          queueUrl,
          timeoutMs: options.timeoutMs,
          records: records.length,
        });
        return;
      }
      const { response } = outcome;
      const reported = response?.batchItemFailures ?? [];
      const batchIds = new Set(records.map((r) => r.messageId));
      // As on Lambda: a failure naming no record of the batch fails the whole batch.
      if (reported.some((f) => typeof f.itemIdentifier !== 'string' || !batchIds.has(f.itemIdentifier))) {
        log.error('batchItemFailures names a record not in the batch; the whole batch comes back', {
          queueUrl,
        });
        return;
      }
      failedIds = new Set(reported.map((f) => f.itemIdentifier));
    } catch (error) {
      log.error('handler threw; the whole batch comes back', { queueUrl, error: String(error) });
      return;
    }
    const done = records.filter((r) => !failedIds.has(r.messageId));
    if (done.length === 0) return;
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
    if ((deleted.Failed ?? []).length > 0) {
      // They come back after the visibility timeout; the handlers are idempotent, so this costs time only.
      log.warn('some finished messages could not be deleted and will be redelivered', {
        queueUrl,
        failed: deleted.Failed?.length,
      });
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopping) {
      if (inFlight.size >= options.maxConcurrency) {
        await Promise.race(inFlight);
        continue;
      }
      let messages: Message[] = [];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (stopping) break;
        log.warn('receive failed; retrying', { queueUrl, error: String(error) });
        await clock.sleep(RECEIVE_RETRY_DELAY_MS);
        continue;
      }
      if (messages.length === 0) continue;
      const task = invoke(messages)
        .catch((error: unknown) => log.error('event source invocation failed', { error: String(error) }))
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  };
  const running = loop();

  return {
    get invocations() {
      return invocations;
    },
    get timedOut() {
      return timedOut;
    },
    stop: async () => {
      stopping = true;
      await running;
      await Promise.all(inFlight);
    },
  };
}

function toRecord(message: Message, options: SqsEventSourceOptions, now: number): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(now),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(now),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn,
    awsRegion: options.region,
  };
}
