import { describe, expect, it } from 'vitest';
import { QUEUE, STORAGE, SWEEPER, WORKER } from '../packages/core/src/settings';
import {
  DEAD_LETTER_HANDLER,
  FAN_OUT_FAILURE_HANDLER,
  FAN_OUT_HANDLER,
  functionArgs,
  SWEEPER_HANDLER,
  WORKER_HANDLER,
  withOnFailureDestination,
} from './args/handlers';
import {
  DEAD_LETTER_PARKING_QUEUE_ARGS,
  deadLetterQueueArgs,
  FAN_OUT_FAILURES_QUEUE_ARGS,
  workQueueArgs,
} from './args/queues';
import {
  DEAD_LETTER_SUBSCRIPTION,
  FAN_OUT_FAILURE_SUBSCRIPTION,
  sweeperSchedule,
  WORKER_SUBSCRIPTION,
} from './args/triggers';

/**
 * AWS's documented limits and rules (REFERENCE §3), written out here on purpose: the code under test
 * must not be the source of the numbers it is checked against.
 */
const AWS = {
  /** Lambda: a function runs for at most 15 minutes. */
  lambdaMaxTimeoutSeconds: 900,
  lambdaMinMemoryMb: 128,
  lambdaMaxMemoryMb: 10_240,
  /** SQS event source: the queue's visibility timeout should be at least 6 × the function timeout. */
  visibilityPerFunctionTimeout: 6,
  /** SQS event source: a redrive policy's maxReceiveCount should be at least 5. */
  minMaxReceiveCount: 5,
  /** SQS event source, standard queue: batch size 1–10,000; above 10 only with a batching window. */
  maxBatchSize: 10_000,
  maxBatchSizeWithoutWindow: 10,
  maxBatchWindowSeconds: 300,
  /** SQS event source: MaximumConcurrency 2–1000. */
  minMaximumConcurrency: 2,
  maxMaximumConcurrency: 1_000,
  sqsMaxVisibilitySeconds: 12 * 3600,
  sqsMinRetentionSeconds: 60,
  sqsMaxRetentionSeconds: 14 * 24 * 3600,
  sqsMaxMessageBytes: 1024 * 1024,
  /** What SQS still sets when MaximumMessageSize is not given. */
  sqsDefaultMessageBytes: 256 * 1024,
  sqsMaxDelaySeconds: 900,
  /** Asynchronous invocation (S3 → Lambda): at most 2 retries. */
  lambdaMaxAsyncRetries: 2,
  /** Lambda's waits between the asynchronous retries of a failed invocation: about 1, then 2 minutes. */
  lambdaAsyncRetryWaitsSeconds: 60 + 120,
} as const;

/** Seconds of an SST duration such as `"5400 seconds"`; throws on any other form, so a new unit is noticed. */
function seconds(duration: string): number {
  const match = /^(\d+) seconds?$/.exec(duration);
  if (match === null) throw new Error(`not a duration in seconds: ${JSON.stringify(duration)}`);
  return Number(match[1]);
}

/** Megabytes of an SST size such as `"1024 MB"`. */
function megabytes(size: string): number {
  const match = /^(\d+) MB$/.exec(size);
  if (match === null) throw new Error(`not a size in MB: ${JSON.stringify(size)}`);
  return Number(match[1]);
}

// The arguments infra passes to SST, exactly as `infra/*.ts` builds them.
const fanOut = functionArgs(FAN_OUT_HANDLER, (name) => name, {});
const worker = functionArgs(WORKER_HANDLER, (name) => name, {});
const deadLetterConsumer = functionArgs(DEAD_LETTER_HANDLER, (name) => name, {});
const workQueue = workQueueArgs('arn:aws:sqs:us-east-1:123456789012:dlq');
const deadLetterQueue = deadLetterQueueArgs('arn:aws:sqs:us-east-1:123456789012:parking');
const deadLetterParking = DEAD_LETTER_PARKING_QUEUE_ARGS;
const fanOutFailureConsumer = functionArgs(FAN_OUT_FAILURE_HANDLER, (name) => name, {});
const fanOutFailuresQueue = FAN_OUT_FAILURES_QUEUE_ARGS;
const sweeper = functionArgs(SWEEPER_HANDLER, (name) => name, {});
const fanOutWithDestination = withOnFailureDestination(fanOut, 'arn:aws:sqs:us-east-1:123456789012:failures');

describe('the deployed functions and queues keep AWS’s rules', () => {
  it.each([
    ['fan-out', fanOut],
    ['worker', worker],
    ['dead-letter consumer', deadLetterConsumer],
    ['fan-out failure consumer', fanOutFailureConsumer],
    ['sweeper', sweeper],
  ])('%s: a timeout Lambda accepts and a memory size within its range', (_, args) => {
    expect(seconds(args.timeout)).toBeGreaterThan(0);
    expect(seconds(args.timeout)).toBeLessThanOrEqual(AWS.lambdaMaxTimeoutSeconds);
    expect(megabytes(args.memory)).toBeGreaterThanOrEqual(AWS.lambdaMinMemoryMb);
    expect(megabytes(args.memory)).toBeLessThanOrEqual(AWS.lambdaMaxMemoryMb);
  });

  it.each([
    ['work queue → worker', workQueue, worker],
    ['dead-letter queue → its consumer', deadLetterQueue, deadLetterConsumer],
    ['fan-out failure queue → its consumer', fanOutFailuresQueue, fanOutFailureConsumer],
  ])('%s: visibility timeout ≥ 6 × the function timeout, within the SQS maximum', (_, queue, consumer) => {
    expect(seconds(queue.visibilityTimeout)).toBeGreaterThanOrEqual(
      AWS.visibilityPerFunctionTimeout * seconds(consumer.timeout),
    );
    expect(seconds(queue.visibilityTimeout)).toBeLessThanOrEqual(AWS.sqsMaxVisibilitySeconds);
  });

  it('dead-letters a work item only after at least 5 receives, into the queue it was given', () => {
    expect(Number.isInteger(workQueue.dlq.retry)).toBe(true);
    expect(workQueue.dlq.retry).toBeGreaterThanOrEqual(AWS.minMaxReceiveCount);
    expect(workQueue.dlq.queue).toBe('arn:aws:sqs:us-east-1:123456789012:dlq');
  });

  it('keeps dead letters longer than work items (their age carries over), both within SQS’s range', () => {
    const work = workQueue.transform.queue.messageRetentionSeconds;
    const dead = deadLetterQueue.transform.queue.messageRetentionSeconds;
    expect(dead).toBeGreaterThan(work);
    for (const retention of [work, dead]) {
      expect(retention).toBeGreaterThanOrEqual(AWS.sqsMinRetentionSeconds);
      expect(retention).toBeLessThanOrEqual(AWS.sqsMaxRetentionSeconds);
    }
  });

  it.each([
    ['work queue', workQueue],
    ['dead-letter queue', deadLetterQueue],
  ])('%s: messages larger than the 256 KiB default, up to the 1 MiB SQS allows', (_, queue) => {
    expect(queue.transform.queue.maxMessageSize).toBeGreaterThan(AWS.sqsDefaultMessageBytes);
    expect(queue.transform.queue.maxMessageSize).toBeLessThanOrEqual(AWS.sqsMaxMessageBytes);
  });

  it.each([
    ['worker', WORKER_SUBSCRIPTION.batch],
    ['dead-letter consumer', DEAD_LETTER_SUBSCRIPTION.batch],
    ['fan-out failure consumer', FAN_OUT_FAILURE_SUBSCRIPTION.batch],
  ])('%s: a batch size and window the SQS event source accepts, with partial batch responses', (_, batch) => {
    const window = 'window' in batch ? seconds(batch.window) : 0;
    expect(Number.isInteger(batch.size)).toBe(true);
    expect(batch.size).toBeGreaterThanOrEqual(1);
    expect(batch.size).toBeLessThanOrEqual(window > 0 ? AWS.maxBatchSize : AWS.maxBatchSizeWithoutWindow);
    expect(window).toBeLessThanOrEqual(AWS.maxBatchWindowSeconds);
    expect(batch.partialResponses).toBe(true);
  });

  it.each([
    ['workers', WORKER_SUBSCRIPTION],
    ['DLQ consumers', DEAD_LETTER_SUBSCRIPTION],
  ])('caps concurrent %s within the event source’s 2–1000', (_, subscription) => {
    const { maximumConcurrency } = subscription.transform.eventSourceMapping.scalingConfig;
    expect(Number.isInteger(maximumConcurrency)).toBe(true);
    expect(maximumConcurrency).toBeGreaterThanOrEqual(AWS.minMaximumConcurrency);
    expect(maximumConcurrency).toBeLessThanOrEqual(AWS.maxMaximumConcurrency);
  });

  it('parks a dead letter its consumer keeps failing on after ≥ 5 receives, well before the DLQ’s 14 days', () => {
    expect(deadLetterQueue.dlq.queue).toBe('arn:aws:sqs:us-east-1:123456789012:parking');
    expect(Number.isInteger(deadLetterQueue.dlq.retry)).toBe(true);
    expect(deadLetterQueue.dlq.retry).toBeGreaterThanOrEqual(AWS.minMaxReceiveCount);
    // A receive count carried over from the work queue must not park a dead letter its consumer never saw.
    expect(deadLetterQueue.dlq.retry).toBeGreaterThanOrEqual(workQueue.dlq.retry + AWS.minMaxReceiveCount);
    const retriedForSeconds = deadLetterQueue.dlq.retry * seconds(deadLetterQueue.visibilityTimeout);
    expect(retriedForSeconds).toBeLessThan(deadLetterQueue.transform.queue.messageRetentionSeconds / 24);
    // The parking queue keeps what it gets as long as the DLQ did (ages carry over), as large.
    expect(deadLetterParking.transform.queue.messageRetentionSeconds).toBe(AWS.sqsMaxRetentionSeconds);
    expect(deadLetterParking.transform.queue.maxMessageSize).toBe(
      deadLetterQueue.transform.queue.maxMessageSize,
    );
  });
});

describe('a fan-out that fails for good is never dropped', () => {
  it('is retried as often as Lambda allows, then its record goes to the failure queue', () => {
    expect(fanOutWithDestination.retries).toBe(AWS.lambdaMaxAsyncRetries);
    expect(fanOutWithDestination.transform.eventInvokeConfig.destinationConfig.onFailure.destination).toBe(
      'arn:aws:sqs:us-east-1:123456789012:failures',
    );
    expect(fanOutWithDestination.permissions).toEqual([
      { actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:us-east-1:123456789012:failures'] },
    ]);
  });

  it('keeps failure records as long as SQS allows (they may be the only trace of an upload)', () => {
    expect(fanOutFailuresQueue.transform.queue.messageRetentionSeconds).toBe(AWS.sqsMaxRetentionSeconds);
  });
});

describe('the sweeper', () => {
  it('may resume a fan-out in its own invocation, so it has at least the fan-out’s time', () => {
    expect(seconds(sweeper.timeout)).toBeGreaterThanOrEqual(seconds(fanOut.timeout));
  });

  it('calls a fan-out stalled only after any fan-out invocation, retries included, must have ended', () => {
    expect(SWEEPER.fanOutStalledAfterSeconds).toBeGreaterThan(
      seconds(fanOut.timeout) + AWS.lambdaAsyncRetryWaitsSeconds,
    );
    expect(SWEEPER.maxFanOutResumes).toBeGreaterThanOrEqual(1);
  });

  it('runs more often than anything it waits for, with no scheduler retries', () => {
    const schedule = sweeperSchedule('fn');
    const match = /^rate\((\d+) minutes\)$/.exec(schedule.schedule);
    expect(match).not.toBeNull();
    const intervalSeconds = Number(match?.[1]) * 60;
    expect(intervalSeconds).toBeLessThan(SWEEPER.fanOutStalledAfterSeconds);
    expect(intervalSeconds).toBeLessThan(SWEEPER.finalizeStalledAfterSeconds);
    expect(schedule.retries).toBe(0);
  });
});

describe('runtime settings the handlers use fit the deployed functions', () => {
  it('hands work back with a delay SQS accepts', () => {
    expect(QUEUE.maxDelaySeconds).toBeGreaterThan(0);
    expect(QUEUE.maxDelaySeconds).toBeLessThanOrEqual(AWS.sqsMaxDelaySeconds);
  });

  it('leaves the worker time to work before its reserve', () => {
    expect(WORKER.reserveMs).toBeGreaterThan(0);
    expect(WORKER.reserveMs).toBeLessThan(seconds(worker.timeout) * 1000);
  });

  it('starts jobs only for a narrow key pattern: a non-empty folder prefix and the .jsonl suffix', () => {
    expect(STORAGE.inputPrefix).toMatch(/^[^/].*\/$/);
    expect(STORAGE.inputSuffix).toBe('.jsonl');
  });
});
