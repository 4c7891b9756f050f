import { createHash } from 'node:crypto';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@thinkbatch/core';
import {
  type AwsClients,
  createAwsClients,
  type Emulators,
  type SqsBatchHandler,
  type SqsEventSource,
  startEmulators,
  startSqsEventSource,
} from '@thinkbatch/local';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createCountingSqsClient,
  createTestQueues,
  messagesIn,
  receiveOne,
  sendBodies,
  TEST_QUEUE,
  type TestQueues,
  waitUntil,
} from './sqs-test-queues';

let emulators: Emulators;
let clients: AwsClients;
let sqs: SQSClient;
let queueCount = 0;
const sources: SqsEventSource[] = [];
const extraClients: SQSClient[] = [];

beforeAll(async () => {
  emulators = await startEmulators();
  clients = createAwsClients(emulators);
  sqs = clients.sqs;
});
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
  for (const client of extraClients.splice(0)) client.destroy();
}, 10_000);
afterAll(async () => {
  clients.destroy();
  await emulators.stop();
});

const newQueues = (): Promise<TestQueues> => createTestQueues(sqs, `esm-${++queueCount}`);
const failures = (records: readonly SQSRecord[]): SQSBatchResponse => ({
  batchItemFailures: records.map((record) => ({ itemIdentifier: record.messageId })),
});
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const visibilityMs = TEST_QUEUE.visibilityTimeoutSeconds * 1000;

/** A logger that keeps the messages, so a test can see what the event source reported. */
function createRecordingLogger(): Logger & { readonly messages: string[] } {
  const messages: string[] = [];
  const push = (message: string): void => {
    messages.push(message);
  };
  return { messages, info: push, warn: push, error: push };
}

function start(
  queues: TestQueues,
  handler: SqsBatchHandler,
  options: { batchSize?: number; maxConcurrency?: number; waitTimeSeconds?: number; sqs?: SQSClient } = {},
): SqsEventSource & { log: ReturnType<typeof createRecordingLogger> } {
  const log = createRecordingLogger();
  const source = startSqsEventSource({
    sqs: options.sqs ?? sqs,
    queueUrl: queues.queueUrl,
    queueArn: queues.queueArn,
    region: emulators.region,
    handler,
    batchSize: options.batchSize ?? 10,
    maxConcurrency: options.maxConcurrency ?? 2,
    ...(options.waitTimeSeconds === undefined ? {} : { waitTimeSeconds: options.waitTimeSeconds }),
    log,
  });
  sources.push(source);
  return Object.assign(source, { log });
}

/** One delivery as the handler saw it. */
interface Delivery {
  readonly record: SQSRecord;
  readonly at: number;
}

describe('startSqsEventSource on fauxqs', { timeout: 10_000 }, () => {
  it('hands the handler real Lambda SQSEvent records; ApproximateReceiveCount grows on redelivery', async () => {
    const queues = await newQueues();
    expect(queues.queueArn).toMatch(/^arn:aws:sqs:us-east-1:\d{12}:esm-\d+$/);
    await sendBodies(sqs, queues.queueUrl, ['{"hello":"world"}']);
    const seen: Delivery[] = [];
    start(queues, async ({ Records }) => {
      seen.push(...Records.map((record) => ({ record, at: Date.now() })));
      return seen.length === 1 ? failures(Records) : undefined;
    });
    await waitUntil('the redelivery', () => seen.length === 2);
    await waitUntil('the queue to empty', async () => (await messagesIn(sqs, queues.queueUrl)) === 0);

    const [first, second] = seen;
    if (first === undefined || second === undefined) throw new Error('two deliveries expected');
    expect(first.record).toEqual({
      messageId: expect.stringMatching(/\S/),
      receiptHandle: expect.stringMatching(/\S/),
      body: '{"hello":"world"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        SenderId: expect.stringMatching(/\S/),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update('{"hello":"world"}').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: queues.queueArn,
      awsRegion: emulators.region,
    });
    expect(second.record).toEqual({
      ...first.record,
      receiptHandle: expect.not.stringMatching(`^${first.record.receiptHandle}$`),
      attributes: { ...first.record.attributes, ApproximateReceiveCount: '2' },
    });
    expect(second.at - first.at).toBeGreaterThanOrEqual(visibilityMs - 100);
  });

  it('partial batch response: only the reported record comes back, after the visibility timeout', async () => {
    const queues = await newQueues();
    await sendBodies(sqs, queues.queueUrl, ['a', 'b', 'c', 'd']);
    const batches: Delivery[][] = [];
    start(queues, async ({ Records }) => {
      batches.push(Records.map((record) => ({ record, at: Date.now() })));
      return failures(Records.filter((r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1'));
    });
    const deliveries = (): Delivery[] => batches.flat();
    await waitUntil('b to come back', () => deliveries().filter((d) => d.record.body === 'b').length === 2);
    await waitUntil('the queue to empty', async () => (await messagesIn(sqs, queues.queueUrl)) === 0);

    expect(batches[0]?.map((d) => d.record.body).sort()).toEqual(['a', 'b', 'c', 'd']);
    const counts = Object.groupBy(deliveries(), (d) => d.record.body);
    expect(Object.fromEntries(Object.entries(counts).map(([body, ds]) => [body, ds?.length]))).toEqual({
      a: 1,
      b: 2,
      c: 1,
      d: 1,
    });
    const [firstB, againB] = counts['b'] ?? [];
    expect(againB?.record.attributes.ApproximateReceiveCount).toBe('2');
    expect((againB?.at ?? 0) - (firstB?.at ?? 0)).toBeGreaterThanOrEqual(visibilityMs - 100);
  });

  it('a handler that throws fails the whole batch: every record comes back', async () => {
    const queues = await newQueues();
    await sendBodies(sqs, queues.queueUrl, ['x', 'y', 'z']);
    const batches: SQSRecord[][] = [];
    const source = start(queues, async ({ Records }) => {
      batches.push(Records);
      if (batches.length === 1) throw new Error('boom');
      return undefined;
    });
    await waitUntil('every record twice', () => batches.flat().length === 6);
    await waitUntil('the queue to empty', async () => (await messagesIn(sqs, queues.queueUrl)) === 0);

    expect(batches.map((records) => records.map((r) => r.body).sort())).toEqual([
      ['x', 'y', 'z'],
      ['x', 'y', 'z'],
    ]);
    expect(batches[1]?.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['2', '2', '2']);
    expect(source.log.messages).toContain('handler threw; the whole batch comes back');
  });

  it('a record that keeps failing moves to the DLQ after maxReceiveCount receives', async () => {
    const queues = await newQueues();
    await sendBodies(sqs, queues.queueUrl, ['poison']);
    const seen: SQSRecord[] = [];
    const source = start(queues, async ({ Records }) => {
      seen.push(...Records);
      return failures(Records);
    });
    const dead = await receiveOne(sqs, queues.dlqUrl, (TEST_QUEUE.maxReceiveCount + 3) * visibilityMs);
    await source.stop();

    expect(dead.Body).toBe('poison');
    expect(dead.MessageId).toBe(seen[0]?.messageId);
    expect(seen.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
    expect(await messagesIn(sqs, queues.queueUrl)).toBe(0);
  });

  it('respects the batch size and bounds invocations in flight by maxConcurrency', async () => {
    const queues = await newQueues();
    const bodies = Array.from({ length: 30 }, (_, i) => `m${i}`);
    await sendBodies(sqs, queues.queueUrl, bodies);
    const sizes: number[] = [];
    const processed: string[] = [];
    let inFlight = 0;
    let peak = 0;
    const source = start(
      queues,
      async ({ Records }) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        sizes.push(Records.length);
        await sleep(100);
        processed.push(...Records.map((r) => r.body));
        inFlight -= 1;
        return undefined;
      },
      { batchSize: 4, maxConcurrency: 3 },
    );
    await waitUntil('every message processed', () => processed.length >= bodies.length);
    await waitUntil('the queue to empty', async () => (await messagesIn(sqs, queues.queueUrl)) === 0);

    expect(processed.sort()).toEqual([...bodies].sort());
    expect(Math.max(...sizes)).toBe(4);
    expect(peak).toBe(3);
    expect(source.invocations).toBe(sizes.length);
  });

  it('stop() waits for invocations in flight, then nothing is received or invoked', async () => {
    const queues = await newQueues();
    const { sqs: counting, receives } = createCountingSqsClient(emulators);
    extraClients.push(counting);
    await sendBodies(sqs, queues.queueUrl, ['first']);
    const events: string[] = [];
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const source = start(
      queues,
      async ({ Records }) => {
        events.push(`start ${Records.map((r) => r.body).join()}`);
        await gate;
        events.push('end');
        return undefined;
      },
      { batchSize: 1, maxConcurrency: 2, sqs: counting },
    );
    await waitUntil('the handler to start', () => events.length === 1);
    const stopped = source.stop().then(() => events.push('stopped'));
    await sleep(100);
    expect(events).toEqual(['start first']);
    release();
    await stopped;
    expect(events).toEqual(['start first', 'end', 'stopped']);
    expect(await messagesIn(sqs, queues.queueUrl)).toBe(0);

    const receivesAtStop = receives.sent;
    await sendBodies(sqs, queues.queueUrl, ['late']);
    await sleep(300);
    expect(receives.sent).toBe(receivesAtStop);
    expect(events).toEqual(['start first', 'end', 'stopped']);
    expect(source.invocations).toBe(1);
  });

  it('never invokes the handler with an empty batch', async () => {
    const queues = await newQueues();
    const { sqs: counting, receives } = createCountingSqsClient(emulators);
    extraClients.push(counting);
    const sizes: number[] = [];
    const source = start(
      queues,
      async ({ Records }) => {
        sizes.push(Records.length);
        return undefined;
      },
      { waitTimeSeconds: 0, sqs: counting },
    );
    await waitUntil('empty receives', () => receives.empty >= 5);
    expect(sizes).toEqual([]);
    await sendBodies(sqs, queues.queueUrl, ['only']);
    await waitUntil('the delivery', () => sizes.length === 1);
    const emptyBefore = receives.empty;
    await waitUntil('more empty receives', () => receives.empty >= emptyBefore + 5);
    expect(sizes).toEqual([1]);
    expect(source.invocations).toBe(1);
  });

  // Known bug (see the report): Lambda fails the whole batch when an itemIdentifier is not one of the
  // batch's messageIds; the event source ignores it and deletes every record. Drop `.fails` once fixed.
  it('an itemIdentifier that is not in the batch fails the whole batch, as on Lambda', async () => {
    const queues = await newQueues();
    await sendBodies(sqs, queues.queueUrl, ['kept']);
    const seen: SQSRecord[] = [];
    start(queues, async ({ Records }) => {
      seen.push(...Records);
      return seen.length === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] } : undefined;
    });
    await waitUntil('a delivery', () => seen.length >= 1);
    await waitUntil(
      'a redelivery or an empty queue',
      async () => seen.length >= 2 || (await messagesIn(sqs, queues.queueUrl)) === 0,
    );
    expect(seen.map((r) => r.body)).toEqual(['kept', 'kept']);
  });

  // Known bug (see the report): stop() aborts the long poll client-side, but the server still completes it,
  // so a message sent meanwhile is taken by nobody: invisible for the visibility timeout, its receive
  // count spent. Drop `.fails` once stop() lets the last poll finish instead of aborting it.
  it('a long poll cut short by stop() takes no message with it', async () => {
    const queues = await newQueues();
    const { sqs: counting, receives } = createCountingSqsClient(emulators);
    extraClients.push(counting);
    const source = start(queues, async () => undefined, { waitTimeSeconds: 2, sqs: counting });
    await waitUntil('a long poll sent', () => receives.sent >= 1);
    await sleep(200); // the poll reaches the server and waits there (for up to 2 s)
    await source.stop();
    await sendBodies(sqs, queues.queueUrl, ['after stop']);
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.queueUrl, AttributeNames: ['All'] }),
    );
    expect([
      Attributes['ApproximateNumberOfMessages'],
      Attributes['ApproximateNumberOfMessagesNotVisible'],
    ]).toEqual(['1', '0']);
  });
});
