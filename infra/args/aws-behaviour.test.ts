import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER, QUEUE, WORKER } from '../../packages/core/src/settings';
import {
  DEAD_LETTER_OLDEST_MESSAGE_ALARM_SECONDS,
  fanOutDropAlarms,
  functionErrorsAlarm,
  queueAlarms,
  WORK_OLDEST_MESSAGE_ALARM_SECONDS,
} from './alarms';
import { API_HANDLER } from './api';
import {
  DEAD_LETTER_HANDLER,
  FAN_OUT_FAILURE_HANDLER,
  FAN_OUT_HANDLER,
  functionArgs,
  SWEEPER_HANDLER,
  WORKER_HANDLER,
} from './handlers';
import { LABELLING_EVENTS_HANDLER, LABELLING_TICK_HANDLER } from './labelling-handlers';
import { deadLetterQueueArgs, VISIBILITY_TIMEOUT_FACTOR } from './queues';

/** Every function infra deploys, by the name of its spec in `infra/`. */
const HANDLERS = {
  FAN_OUT_HANDLER,
  WORKER_HANDLER,
  DEAD_LETTER_HANDLER,
  FAN_OUT_FAILURE_HANDLER,
  SWEEPER_HANDLER,
  API_HANDLER,
  LABELLING_TICK_HANDLER,
  LABELLING_EVENTS_HANDLER,
} as const;

const infraSource = (file: string): string => readFileSync(join(import.meta.dirname, '..', file), 'utf8');
/** The infra files that create functions. */
const functionSources = `${infraSource('functions.ts')}\n${infraSource('api.ts')}\n${infraSource('labelling.ts')}`;

/** Lambda stops a chain function → SQS → the same function after about this many hops (REFERENCE §3). */
const LAMBDA_RECURSION_HOPS = 16;

describe('recursive-loop detection, set per function', () => {
  it('allows the loop only for the worker, which re-sends to its own queue and bounds that itself', () => {
    const allowed = Object.entries(HANDLERS)
      .filter(([, spec]) => spec.recursiveLoop === 'Allow')
      .map(([name]) => name);
    expect(allowed).toEqual(['WORKER_HANDLER']);
    expect(Number.isInteger(WORKER.maxHandoffs)).toBe(true);
    // Above Lambda's hop limit (else Terminate would do) yet finite: the bound replaces Lambda's.
    expect(WORKER.maxHandoffs).toBeGreaterThan(LAMBDA_RECURSION_HOPS);
    expect(WORKER.maxHandoffs).toBeLessThanOrEqual(256);
  });

  it.each(Object.keys(HANDLERS))('%s: infra declares its FunctionRecursionConfig', (name) => {
    expect(functionSources).toMatch(new RegExp(`recursionConfig\\([^;]*\\b${name}\\b`, 's'));
  });
});

describe('logs', () => {
  it.each(Object.entries(HANDLERS))(
    '%s logs in Lambda’s JSON format, so Logs Insights sees fields',
    (_, spec) => {
      expect(functionArgs(spec, (link) => link, {}).logging).toEqual({
        format: 'json',
        retention: '1 month',
      });
    },
  );
});

describe('alarms', () => {
  const queues = {
    work: 'work',
    deadLetters: 'dlq',
    deadLetterParking: 'parking',
    fanOutFailures: 'failures',
  };
  const byName = new Map(queueAlarms(queues).map((alarm) => [alarm.name, alarm]));

  it('fires on the first dead letter, parked dead letter and fan-out failure record', () => {
    for (const [name, queue] of [
      ['DeadLettersDepth', 'dlq'],
      ['DeadLetterParkingDepth', 'parking'],
      ['FanOutFailuresDepth', 'failures'],
    ] as const) {
      expect(byName.get(name)).toMatchObject({
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: queue },
        statistic: 'Maximum',
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
      });
    }
  });

  it('fires on work older than a failed delivery and a full worker run, but before the queue expires it', () => {
    const alarm = byName.get('WorkOldestMessage');
    expect(alarm).toMatchObject({
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: 'work' },
      threshold: WORK_OLDEST_MESSAGE_ALARM_SECONDS,
    });
    expect(WORK_OLDEST_MESSAGE_ALARM_SECONDS).toBeGreaterThan(QUEUE.visibilityTimeoutSeconds);
    expect(WORK_OLDEST_MESSAGE_ALARM_SECONDS).toBeGreaterThan(QUEUE.maxDelaySeconds);
    expect(WORK_OLDEST_MESSAGE_ALARM_SECONDS).toBeLessThan(QUEUE.retentionSeconds / 4);
  });

  it('fires on a dead letter its consumer has failed on for all its deliveries', () => {
    const dlq = deadLetterQueueArgs('arn');
    const allDeliveries = dlq.dlq.retry * VISIBILITY_TIMEOUT_FACTOR * DEAD_LETTER.timeoutSeconds;
    expect(byName.get('DeadLettersOldestMessage')).toMatchObject({
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: 'dlq' },
      threshold: DEAD_LETTER_OLDEST_MESSAGE_ALARM_SECONDS,
    });
    expect(DEAD_LETTER_OLDEST_MESSAGE_ALARM_SECONDS).toBe(allDeliveries);
  });

  it('watches the fan-out’s async path for dropped events and undelivered failure records', () => {
    const alarms = fanOutDropAlarms('fan-out-fn');
    expect(alarms.map((alarm) => alarm.metricName)).toEqual([
      'AsyncEventsDropped',
      'DestinationDeliveryFailures',
    ]);
    for (const alarm of alarms)
      expect(alarm).toMatchObject({
        namespace: 'AWS/Lambda',
        dimensions: { FunctionName: 'fan-out-fn' },
        statistic: 'Sum',
        threshold: 1,
      });
    expect(infraSource('alarms.ts')).toMatch(/fanOutDropAlarms[^;]*\(fanOutFunctionName\)/);
  });

  it('has an errors alarm for every function infra deploys', () => {
    expect(functionErrorsAlarm('Worker', 'fn')).toMatchObject({
      name: 'WorkerErrors',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: 'fn' },
      threshold: 1,
    });
    const declared = infraSource('alarms.ts').match(/functionErrorsAlarm<Name>\(/g) ?? [];
    expect(declared.length).toBe(Object.keys(HANDLERS).length);
  });

  it('sends every alarm, and its recovery, to the alarm topic', () => {
    const source = infraSource('alarms.ts');
    expect(source).toMatch(/alarmActions: \[alarmTopic\.arn\]/);
    expect(source).toMatch(/okActions: \[alarmTopic\.arn\]/);
    expect(infraSource('../sst.config.ts')).toMatch(/import\('\.\/infra\/alarms'\)/);
  });
});
