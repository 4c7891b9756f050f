import { createHash } from 'node:crypto';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '@thinkbatch/core';
import {
  RECEIVE_RETRY_DELAY_MS,
  type SqsBatchHandler,
  type SqsEventSource,
  startSqsEventSource,
} from '@thinkbatch/local';
import { createManualClock, createRecordingLogger, type RecordingLogger } from '@thinkbatch/testing';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { useEmulators } from '../fixtures/emulators';
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

const local = useEmulators();
let queueCount = 0;
const sources: SqsEventSource[] = [];
const extraClients: SQSClient[] = [];

afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
  for (const client of extraClients.splice(0)) client.destroy();
}, 10_000);

const sqs = (): SQSClient => local.clients.sqs;
const newQueues = (): Promise<TestQueues> => createTestQueues(sqs(), `esm-${++queueCount}`);
const failures = (records: readonly SQSRecord[]): SQSBatchResponse => ({
  batchItemFailures: records.map((record) => ({ itemIdentifier: record.messageId })),
});
/** Let every callback already due run (I/O and promise callbacks), without waiting on a timer. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const visibilityMs = TEST_QUEUE.visibilityTimeoutSeconds * 1000;

/** A counting SQS client (see `createCountingSqsClient`), destroyed after the test. */
function countingClient(): ReturnType<typeof createCountingSqsClient> {
  const counting = createCountingSqsClient(local.emulators);
  extraClients.push(counting.sqs);
  return counting;
}

function start(
  queues: TestQueues,
  handler: SqsBatchHandler,
  options: {
    batchSize?: number;
    maxConcurrency?: number;
    waitTimeSeconds?: number;
    sqs?: SQSClient;
    clock?: Clock;
  } = {},
): SqsEventSource & { log: RecordingLogger } {
  const log = createRecordingLogger();
  const source = startSqsEventSource({
    sqs: options.sqs ?? sqs(),
    queueUrl: queues.queueUrl,
    queueArn: queues.queueArn,
    region: local.emulators.region,
    handler,
    batchSize: options.batchSize ?? 10,
    maxConcurrency: options.maxConcurrency ?? 2,
    ...(options.waitTimeSeconds === undefined ? {} : { waitTimeSeconds: options.waitTimeSeconds }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
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
    await sendBodies(sqs(), queues.queueUrl, ['{"hello":"world"}']);
    const seen: Delivery[] = [];
    start(queues, async ({ Records }) => {
      seen.push(...Records.map((record) => ({ record, at: Date.now() })));
      return seen.length === 1 ? failures(Records) : undefined;
    });
    await waitUntil('the redelivery', () => seen.length === 2);
    await waitUntil('the queue to empty', async () => (await messagesIn(sqs(), queues.queueUrl)) === 0);

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
      awsRegion: local.emulators.region,
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
    await sendBodies(sqs(), queues.queueUrl, ['a', 'b', 'c', 'd']);
    const batches: Delivery[][] = [];
    start(queues, async ({ Records }) => {
      batches.push(Records.map((record) => ({ record, at: Date.now() })));
      return failures(Records.filter((r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1'));
    });
    const deliveries = (): Delivery[] => batches.flat();
    await waitUntil('b to come back', () => deliveries().filter((d) => d.record.body === 'b').length === 2);
    await waitUntil('the queue to empty', async () => (await messagesIn(sqs(), queues.queueUrl)) === 0);

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
    await sendBodies(sqs(), queues.queueUrl, ['x', 'y', 'z']);
    const batches: SQSRecord[][] = [];
    const source = start(queues, async ({ Records }) => {
      batches.push(Records);
      if (batches.length === 1) throw new Error('boom');
      return undefined;
    });
    await waitUntil('every record twice', () => batches.flat().length === 6);
    await waitUntil('the queue to empty', async () => (await messagesIn(sqs(), queues.queueUrl)) === 0);

    expect(batches.map((records) => records.map((r) => r.body).sort())).toEqual([
      ['x', 'y', 'z'],
      ['x', 'y', 'z'],
    ]);
    expect(batches[1]?.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['2', '2', '2']);
    expect(source.log.messages).toContain('handler threw; the whole batch comes back');
  });

  it('a record that keeps failing moves to the DLQ after maxReceiveCount receives', async () => {
    const queues = await newQueues();
    await sendBodies(sqs(), queues.queueUrl, ['poison']);
    const seen: SQSRecord[] = [];
    const source = start(queues, async ({ Records }) => {
      seen.push(...Records);
      return failures(Records);
    });
    const dead = await receiveOne(sqs(), queues.dlqUrl, (TEST_QUEUE.maxReceiveCount + 3) * visibilityMs);
    await source.stop();

    expect(dead.Body).toBe('poison');
    expect(dead.MessageId).toBe(seen[0]?.messageId);
    expect(seen.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
    expect(await messagesIn(sqs(), queues.queueUrl)).toBe(0);
  });

  it('respects the batch size and bounds invocations in flight by maxConcurrency', async () => {
    const queues = await newQueues();
    const bodies = Array.from({ length: 30 }, (_, i) => `m${i}`);
    await sendBodies(sqs(), queues.queueUrl, bodies);
    const sizes: number[] = [];
    const processed: string[] = [];
    let inFlight = 0;
    let peak = 0;
    const { promise: maximumReached, resolve: reachMaximum } = Promise.withResolvers<void>();
    const source = start(
      queues,
      async ({ Records }) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        sizes.push(Records.length);
        if (inFlight === 3) reachMaximum();
        await maximumReached; // the first invocations wait for each other, so three really overlap
        processed.push(...Records.map((r) => r.body));
        inFlight -= 1;
        return undefined;
      },
      { batchSize: 4, maxConcurrency: 3 },
    );
    await waitUntil('every message processed', () => processed.length >= bodies.length);
    await waitUntil('the queue to empty', async () => (await messagesIn(sqs(), queues.queueUrl)) === 0);

    expect(processed.sort()).toEqual([...bodies].sort());
    expect(Math.max(...sizes)).toBe(4);
    expect(peak).toBe(3);
    expect(source.invocations).toBe(sizes.length);
  });

  it('stop() waits for invocations in flight, then nothing is received or invoked', async () => {
    const queues = await newQueues();
    const { sqs: counting, receives } = countingClient();
    await sendBodies(sqs(), queues.queueUrl, ['first']);
    const events: string[] = [];
    const { promise: gate, resolve: release } = Promise.withResolvers<void>();
    const source = start(
      queues,
      async ({ Records }) => {
        events.push(`start ${Records.map((r) => r.body).join()}`);
        await gate;
        events.push('end');
        return undefined;
      },
      // Short polls: the last one returns at once, long before the held message's 1 s visibility ends.
      { batchSize: 1, maxConcurrency: 2, waitTimeSeconds: 0, sqs: counting },
    );
    await waitUntil('the handler to start', () => events.length === 1);
    const stopped = source.stop().then(() => events.push('stopped'));
    // The receive loop ends with the poll it has open; stop() must go on waiting for the invocation.
    await waitUntil('the last poll to return', () => receives.inProgress === 0);
    await settle();
    expect(events).toEqual(['start first']);
    release();
    await stopped;
    expect(events).toEqual(['start first', 'end', 'stopped']);
    expect(await messagesIn(sqs(), queues.queueUrl)).toBe(0);

    // Stopped: no poll is open and none is sent, so a new message stays where it is.
    const receivesAtStop = receives.sent;
    expect(receives.inProgress).toBe(0);
    await sendBodies(sqs(), queues.queueUrl, ['late']);
    await settle();
    expect(receives.sent).toBe(receivesAtStop);
    expect(await messagesIn(sqs(), queues.queueUrl)).toBe(1);
    expect(events).toEqual(['start first', 'end', 'stopped']);
    expect(source.invocations).toBe(1);
  });

  it('never invokes the handler with an empty batch', async () => {
    const queues = await newQueues();
    const { sqs: counting, receives } = countingClient();
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
    await sendBodies(sqs(), queues.queueUrl, ['only']);
    await waitUntil('the delivery', () => sizes.length === 1);
    const emptyBefore = receives.empty;
    await waitUntil('more empty receives', () => receives.empty >= emptyBefore + 5);
    expect(sizes).toEqual([1]);
    expect(source.invocations).toBe(1);
  });

  // Lambda fails the whole batch when an itemIdentifier is not one of the batch's messageIds.
  it('an itemIdentifier that is not in the batch fails the whole batch, as on Lambda', async () => {
    const queues = await newQueues();
    await sendBodies(sqs(), queues.queueUrl, ['kept']);
    const seen: SQSRecord[] = [];
    start(queues, async ({ Records }) => {
      seen.push(...Records);
      return seen.length === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] } : undefined;
    });
    await waitUntil('a delivery', () => seen.length >= 1);
    await waitUntil(
      'a redelivery or an empty queue',
      async () => seen.length >= 2 || (await messagesIn(sqs(), queues.queueUrl)) === 0,
    );
    expect(seen.map((r) => r.body)).toEqual(['kept', 'kept']);
  });

  // Aborting the long poll client-side would not stop the server from completing it: a message sent
  // meanwhile would be taken by nobody, invisible for the visibility timeout, a receive spent. So stop()
  // lets the last poll finish.
  it('a long poll cut short by stop() takes no message with it', async () => {
    const queues = await newQueues();
    const { sqs: counting, receives } = countingClient();
    const source = start(queues, async () => undefined, { waitTimeSeconds: 2, sqs: counting });
    await waitUntil('a long poll sent', () => receives.sent >= 1);
    // The poll must reach the server and wait there (for up to 2 s): a real server's time, no clock to move.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await source.stop();
    await sendBodies(sqs(), queues.queueUrl, ['after stop']);
    const { Attributes = {} } = await sqs().send(
      new GetQueueAttributesCommand({ QueueUrl: queues.queueUrl, AttributeNames: ['All'] }),
    );
    expect([
      Attributes['ApproximateNumberOfMessages'],
      Attributes['ApproximateNumberOfMessagesNotVisible'],
    ]).toEqual(['1', '0']);
  });

  it('after a failed receive, logs it and waits on its clock before receiving again', async () => {
    const queues = await newQueues();
    const { sqs: counting, receives, failReceives } = countingClient();
    const clock = createManualClock();
    failReceives(1);
    const source = start(queues, async () => undefined, { sqs: counting, clock, waitTimeSeconds: 0 });
    await clock.sleeping(1);
    expect(receives.sent).toBe(1);
    expect(source.log.entries).toEqual([
      {
        level: 'warn',
        message: 'receive failed; retrying',
        fields: { queueUrl: queues.queueUrl, error: 'Error: injected receive failure' },
      },
    ]);
    clock.advance(RECEIVE_RETRY_DELAY_MS - 1);
    await settle();
    expect(receives.sent).toBe(1);
    clock.advance(1);
    await waitUntil('the next receive', () => receives.sent >= 2);
  });
});
