import { api } from './api';
import { type AlarmSpec, fanOutDropAlarms, functionErrorsAlarm, queueAlarms } from './args/alarms';
import { deadLetterConsumer, fanOutFailureConsumer, fanOutFunctionName, sweeper, worker } from './functions';
import { labellingEventsConsumer, labellingTick } from './labelling';
import { deadLetterParking, deadLetterQueue, fanOutFailures, workQueue } from './queue';

type Name = $util.Input<string>;

/** Where every alarm goes: subscribe an email or a pager to this topic (`sst.aws.SnsTopic`). */
export const alarmTopic = new sst.aws.SnsTopic('Alarms');

const specs: AlarmSpec<Name>[] = [
  ...queueAlarms<Name>({
    work: workQueue.nodes.queue.name,
    deadLetters: deadLetterQueue.nodes.queue.name,
    deadLetterParking: deadLetterParking.nodes.queue.name,
    fanOutFailures: fanOutFailures.nodes.queue.name,
  }),
  ...fanOutDropAlarms<Name>(fanOutFunctionName),
  functionErrorsAlarm<Name>('FanOut', fanOutFunctionName),
  functionErrorsAlarm<Name>('Worker', worker.nodes.function.name),
  functionErrorsAlarm<Name>('DeadLetterConsumer', deadLetterConsumer.nodes.function.name),
  functionErrorsAlarm<Name>('FanOutFailureConsumer', fanOutFailureConsumer.nodes.function.name),
  functionErrorsAlarm<Name>('Sweeper', sweeper.nodes.function.name),
  functionErrorsAlarm<Name>('Api', api.name),
  functionErrorsAlarm<Name>('LabellingTick', labellingTick.nodes.function.name),
  functionErrorsAlarm<Name>('LabellingEvents', labellingEventsConsumer.nodes.function.name),
];

/** The CloudWatch alarms (see `args/alarms.ts` for what each watches and why its threshold). */
export const alarms = specs.map(
  ({ name, ...spec }) =>
    new aws.cloudwatch.MetricAlarm(`${name}Alarm`, {
      ...spec,
      alarmActions: [alarmTopic.arn],
      okActions: [alarmTopic.arn],
    }),
);
