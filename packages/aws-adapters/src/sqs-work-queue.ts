import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Clock, RandomSource, WorkMessage, WorkQueue } from '@thinkbatch/core';
import {
  ConfigurationError,
  ErrorCode,
  encodeWorkMessageBody,
  systemClock,
  WorkQueueError,
} from '@thinkbatch/core';
import { QUEUE } from '@thinkbatch/core/settings';
import { awsErrorFacts, isTransientAwsError } from './aws-error';
import { planBatches, type QueueEntry, SQS_BATCH_LIMITS } from './sqs-batches';

/** The one SQS call the work queue makes; an `SQSClient` is one, and so is a hand-written test fake. */
export interface SqsBatchSender {
  send(command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput>;
}

/** Options of {@link createSqsWorkQueue}. */
export interface SqsWorkQueueOptions {
  readonly queueUrl: string;
  /** @default new SQSClient({}) (region and credentials from the environment) */
  readonly sqs?: SqsBatchSender;
  /** Rounds of sending for entries that SQS lists as `Failed` (the first round included). @default 5 */
  readonly maxAttempts?: number;
  /** Backoff before round n+1 is full jitter: uniform(0, min(maxDelayMs, baseDelayMs · 2ⁿ⁻¹)). @default 100 */
  readonly baseDelayMs?: number;
  /** @default 5_000 */
  readonly maxDelayMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: RandomSource;
}

/** A short description of a work message for error messages. */
function describeWorkMessage(message: WorkMessage): string {
  return message.type === 'run_chunk'
    ? `run_chunk of job ${message.jobId} chunk ${message.chunk}`
    : `${message.type} of job ${message.jobId}`;
}

/**
 * A WorkQueue on an SQS queue. Bodies are `encodeWorkMessageBody` JSON: pure ASCII, so SQS accepts them
 * whatever the messages' strings hold. They are sent in SendMessageBatch requests of at most 10 entries
 * and 1 MiB. Entries listed as `Failed` inside a successful response are sent again after a full
 * jitter backoff, unless SQS blames the sender (`SenderFault`, which no retry fixes). Whole-request failures
 * are already retried by the SDK; what still fails becomes a `WorkQueueError` with the SDK error as `cause`,
 * marked `permanent` when no retry can help (an entry SQS blames on the sender, a client error other than
 * throttling such as a missing queue or denied access), so the caller fails the job instead of retrying.
 */
export function createSqsWorkQueue(options: SqsWorkQueueOptions): WorkQueue {
  const { queueUrl } = options;
  const sqs: SqsBatchSender = options.sqs ?? new SQSClient({});
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const encoder = new TextEncoder();
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new ConfigurationError(`maxAttempts must be ≥ 1, got ${maxAttempts}`);

  const sendRound = async (
    entries: readonly QueueEntry[],
    delaySeconds: number,
  ): Promise<BatchResultErrorEntry[]> => {
    const failed: BatchResultErrorEntry[] = [];
    for (const batch of planBatches(entries)) {
      let out: SendMessageBatchCommandOutput;
      try {
        out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((entry) => ({
              Id: entry.id,
              MessageBody: entry.body,
              DelaySeconds: delaySeconds,
            })),
          }),
        );
      } catch (error) {
        const facts = awsErrorFacts(error);
        // A client error other than throttling (the queue does not exist, access denied) is not fixed by
        // a retry: permanent, so fan-out fails the job instead of retrying it for minutes.
        throw new WorkQueueError(
          `SendMessageBatch to ${queueUrl} failed (${batch.length} messages): ${facts.name}: ${facts.message}`,
          { cause: error, permanent: !isTransientAwsError(facts) },
        );
      }
      const succeeded = new Set((out.Successful ?? []).map((entry) => entry.Id));
      const listed = new Map((out.Failed ?? []).map((entry) => [entry.Id, entry]));
      for (const entry of batch) {
        if (succeeded.has(entry.id)) continue;
        // An entry in neither list was not confirmed: treat it as failed on the server's side.
        failed.push(listed.get(entry.id) ?? { Id: entry.id, Code: 'Unconfirmed', SenderFault: false });
      }
    }
    return failed;
  };

  return {
    send: async (messages, sendOptions) => {
      const delaySeconds = sendOptions?.delaySeconds ?? 0;
      if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > QUEUE.maxDelaySeconds) {
        throw new WorkQueueError(
          `delaySeconds must be an integer in 0..${QUEUE.maxDelaySeconds}, got ${delaySeconds}`,
          { code: ErrorCode.invalidValue },
        );
      }
      const byId = new Map<string, WorkMessage>();
      let pending: QueueEntry[] = messages.map((message, index) => {
        const body = encodeWorkMessageBody(message);
        const bytes = encoder.encode(body).byteLength;
        if (bytes > SQS_BATCH_LIMITS.maxBytes) {
          throw new WorkQueueError(
            `${describeWorkMessage(message)} is ${bytes} bytes, more than the SQS limit of ${SQS_BATCH_LIMITS.maxBytes}`,
            { code: ErrorCode.invalidValue },
          );
        }
        byId.set(String(index), message);
        return { id: String(index), body, bytes };
      });
      const describe = (entries: readonly BatchResultErrorEntry[]): string => {
        const shown = entries.slice(0, 10).map((entry) => {
          const message = byId.get(entry.Id ?? '');
          const what = message === undefined ? `entry ${entry.Id}` : describeWorkMessage(message);
          return `${what} (${entry.Code}${entry.Message === undefined ? '' : `: ${entry.Message}`})`;
        });
        return entries.length > shown.length
          ? `${shown.join('; ')}; and ${entries.length - shown.length} more`
          : shown.join('; ');
      };

      const refused: BatchResultErrorEntry[] = [];
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        const failed = await sendRound(pending, delaySeconds);
        refused.push(...failed.filter((entry) => entry.SenderFault === true));
        const retryable = failed.filter((entry) => entry.SenderFault !== true);
        if (retryable.length > 0 && attempt >= maxAttempts) {
          const also = refused.length === 0 ? '' : `; SQS also refused: ${describe(refused)}`;
          throw new WorkQueueError(
            `${retryable.length} messages could not be sent after ${maxAttempts} attempts: ${describe(retryable)}${also}`,
            { permanent: refused.length > 0 },
          );
        }
        const retry = new Set(retryable.map((entry) => entry.Id));
        pending = pending.filter((entry) => retry.has(entry.id));
        if (pending.length > 0)
          await clock.sleep(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
      }
      if (refused.length > 0) {
        throw new WorkQueueError(`SQS refused ${refused.length} messages: ${describe(refused)}`, {
          permanent: true,
        });
      }
    },
  };
}
