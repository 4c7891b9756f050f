import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type Emulators, ensureQueue, queueArn } from '@thinkbatch/local';

/** A source queue with a dead-letter queue, as the event source tests need them. */
export interface TestQueues {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
}

/** Source queue settings of the tests: a short visibility timeout so redeliveries come quickly. */
export const TEST_QUEUE = { visibilityTimeoutSeconds: 1, maxReceiveCount: 3 } as const;

/** Create `<name>` (1 s visibility timeout, redrive to `<name>-dlq` after 3 receives) and its DLQ. */
export async function createTestQueues(sqs: SQSClient, name: string): Promise<TestQueues> {
  const dlqUrl = await ensureQueue(sqs, `${name}-dlq`, {});
  const queueUrl = await ensureQueue(sqs, name, {
    VisibilityTimeout: String(TEST_QUEUE.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: await queueArn(sqs, dlqUrl),
      maxReceiveCount: TEST_QUEUE.maxReceiveCount,
    }),
  });
  return { queueUrl, queueArn: await queueArn(sqs, queueUrl), dlqUrl };
}

/** Send bodies in batches of ten; throws if SQS reports any entry as failed. */
export async function sendBodies(sqs: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    const entries = bodies.slice(start, start + 10).map((body, i) => ({ Id: String(i), MessageBody: body }));
    const { Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
    );
    if (Failed.length > 0) throw new Error(`send failed: ${JSON.stringify(Failed)}`);
  }
}

/** Visible + in flight + delayed messages of a queue. */
export async function messagesIn(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(Attributes).reduce((sum, value) => sum + Number(value), 0);
}

/** Long-poll a queue until a message arrives (or `timeoutMs` passes), leaving it in flight. */
export async function receiveOne(sqs: SQSClient, queueUrl: string, timeoutMs: number): Promise<Message> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 30,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const [first] = Messages;
    if (first !== undefined) return first;
  }
  throw new Error(`no message on ${queueUrl} within ${timeoutMs} ms`);
}

/** Poll `check` every 20 ms until it returns true; throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** ReceiveMessage requests of a counting client. */
export interface ReceiveCounts {
  /** Sent (or attempted, when a failure was injected). */
  sent: number;
  /** Answered with no message. */
  empty: number;
  /** Sent and not answered yet (a long poll waiting at the server). */
  inProgress: number;
}

/**
 * An SQS client on the emulators that counts the ReceiveMessage requests it sends, the empty ones and the
 * open ones; `failReceives(n)` makes the next `n` receives throw before they are sent.
 */
export function createCountingSqsClient(emulators: Emulators): {
  readonly sqs: SQSClient;
  readonly receives: Readonly<ReceiveCounts>;
  failReceives(count: number): void;
} {
  const sqs = new SQSClient({
    region: emulators.region,
    credentials: { ...emulators.credentials },
    endpoint: emulators.sqsEndpoint,
  });
  const receives: ReceiveCounts = { sent: 0, empty: 0, inProgress: 0 };
  let failures = 0;
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'ReceiveMessageCommand') return next(args);
      receives.sent += 1;
      if (failures > 0) {
        failures -= 1;
        throw new Error('injected receive failure');
      }
      receives.inProgress += 1;
      try {
        const result = await next(args);
        const { Messages = [] } = result.output as { Messages?: Message[] };
        if (Messages.length === 0) receives.empty += 1;
        return result;
      } finally {
        receives.inProgress -= 1;
      }
    },
    { step: 'initialize', name: 'countReceives' },
  );
  return {
    sqs,
    receives,
    failReceives: (count) => {
      failures += count;
    },
  };
}
