import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** Options of {@link drainQueue}. */
export interface DrainQueueOptions {
  /** Give up waiting for delayed or in-flight messages after this long. @default 10_000 */
  readonly timeoutMs?: number;
  /** Pause between polls while messages are still delayed or in flight. @default 100 */
  readonly pollMs?: number;
}

/**
 * Receive and delete every message of a queue, waiting for delayed and in-flight ones until the queue's
 * counts are all zero; returns the bodies in the order received (contract tests read back what was sent).
 */
export async function drainQueue(
  sqs: SQSClient,
  queueUrl: string,
  options: DrainQueueOptions = {},
): Promise<string[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const pollMs = options.pollMs ?? 100;
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
      }),
    );
    if (Messages.length > 0) {
      for (const message of Messages) bodies.push(message.Body ?? '');
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle ?? '',
          })),
        }),
      );
      continue;
    }
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesDelayed',
          'ApproximateNumberOfMessagesNotVisible',
        ],
      }),
    );
    const waiting = Object.values(Attributes).reduce((sum, value) => sum + Number(value), 0);
    if (waiting === 0) return bodies;
    if (Date.now() > deadline)
      throw new Error(`${queueUrl} still has ${waiting} delayed or in-flight messages`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
