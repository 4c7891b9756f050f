import { DEAD_LETTER, QUEUE, WORKER } from '../../packages/core/src/settings';
import { VISIBILITY_TIMEOUT_FACTOR } from './queues';

/** Period of every alarm's metric, seconds (SQS publishes every minute, Lambda every minute). @default 300 */
export const ALARM_PERIOD_SECONDS = 300;

/** A CloudWatch alarm on one metric, as `aws.cloudwatch.MetricAlarm` takes it (less the actions). */
export interface AlarmSpec<Dimension> {
  readonly name: string;
  readonly alarmDescription: string;
  readonly namespace: 'AWS/SQS' | 'AWS/Lambda';
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, Dimension>>;
  readonly statistic: 'Maximum' | 'Sum';
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly threshold: number;
  readonly comparisonOperator: 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold';
  /** No data (an idle queue, a function not invoked) is healthy. */
  readonly treatMissingData: 'notBreaching';
}

function alarm<Dimension>(
  spec: Omit<AlarmSpec<Dimension>, 'period' | 'evaluationPeriods' | 'treatMissingData'>,
): AlarmSpec<Dimension> {
  return { ...spec, period: ALARM_PERIOD_SECONDS, evaluationPeriods: 1, treatMissingData: 'notBreaching' };
}

/**
 * A work item older than one failed delivery (the visibility timeout it then waits) plus a worker's full
 * run is stuck: it failed at least twice, or no worker is taking work.
 */
export const WORK_OLDEST_MESSAGE_ALARM_SECONDS = QUEUE.visibilityTimeoutSeconds + WORKER.timeoutSeconds;

/**
 * A dead letter still there after every delivery its consumer gets (its age counts from when it was
 * dead-lettered) means the consumer is failing on it.
 */
export const DEAD_LETTER_OLDEST_MESSAGE_ALARM_SECONDS =
  DEAD_LETTER.maxReceiveCount * VISIBILITY_TIMEOUT_FACTOR * DEAD_LETTER.timeoutSeconds;

/** Queues watched by name (`QueueName`). */
export interface WatchedQueues<Name> {
  readonly work: Name;
  readonly deadLetters: Name;
  readonly deadLetterParking: Name;
  readonly fanOutFailures: Name;
}

/**
 * The queue alarms: dead letters (lines of them end `dead_lettered`: someone should know why), parked
 * poison dead letters, failed fan-outs, and work or dead letters that stopped moving.
 */
export function queueAlarms<Name>(queues: WatchedQueues<Name>): AlarmSpec<Name>[] {
  const depth = (name: string, queue: Name, what: string) =>
    alarm({
      name,
      alarmDescription: `${what} (any message visible)`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: queue },
      statistic: 'Maximum',
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  const age = (name: string, queue: Name, seconds: number, what: string) =>
    alarm({
      name,
      alarmDescription: `${what} (oldest message older than ${seconds} s)`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: queue },
      statistic: 'Maximum',
      threshold: seconds,
      comparisonOperator: 'GreaterThanThreshold',
    });
  return [
    depth('DeadLettersDepth', queues.deadLetters, 'work items were dead-lettered: their lines fail'),
    depth('DeadLetterParkingDepth', queues.deadLetterParking, 'the DLQ consumer gave up on dead letters'),
    depth('FanOutFailuresDepth', queues.fanOutFailures, 'a fan-out failed on every attempt'),
    age('WorkOldestMessage', queues.work, WORK_OLDEST_MESSAGE_ALARM_SECONDS, 'work is not moving'),
    age(
      'DeadLettersOldestMessage',
      queues.deadLetters,
      DEAD_LETTER_OLDEST_MESSAGE_ALARM_SECONDS,
      'the DLQ consumer is not draining',
    ),
  ];
}

/** Errors of one function (a thrown invocation: its batch or event comes back). */
export function functionErrorsAlarm<Name>(name: string, functionName: Name): AlarmSpec<Name> {
  return alarm({
    name: `${name}Errors`,
    alarmDescription: `${name} invocations failed`,
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: functionName },
    statistic: 'Sum',
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
  });
}

/**
 * The fan-out's failure path, watched where it can lose an upload: S3 events Lambda dropped (throttled
 * or too old before they ran) and failure records it could not deliver to `FanOutFailures`.
 */
export function fanOutDropAlarms<Name>(functionName: Name): AlarmSpec<Name>[] {
  const dropped = (metricName: string, what: string) =>
    alarm({
      name: `FanOut${metricName}`,
      alarmDescription: `uploads may be lost: ${what}`,
      namespace: 'AWS/Lambda',
      metricName,
      dimensions: { FunctionName: functionName },
      statistic: 'Sum',
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  return [
    dropped('AsyncEventsDropped', 'S3 events dropped without running the fan-out'),
    dropped('DestinationDeliveryFailures', 'failure records not delivered to FanOutFailures'),
  ];
}
