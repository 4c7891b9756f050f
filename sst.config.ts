/// <reference path="./.sst/platform/config.d.ts" />

/**
 * thinkbatch on AWS. `run()` only wires the resource groups in `infra/`; each file there is one group.
 * Deploying needs AWS credentials and the `NvidiaApiKey` secret (see `infra/README.md`).
 */
export default $config({
  app(input) {
    const production = input.stage === 'production';
    return {
      name: 'thinkbatch',
      home: 'aws',
      removal: production ? 'retain' : 'remove',
      protect: production,
    };
  },
  async run() {
    const { inputs, outputs } = await import('./infra/storage');
    const { workQueue, deadLetterQueue, fanOutFailures } = await import('./infra/queue');
    const { jobsTable } = await import('./infra/table');
    await import('./infra/functions');
    const { api } = await import('./infra/api');
    const { labellingBucket } = await import('./infra/labelling-resources');
    await import('./infra/labelling');
    const { alarmTopic } = await import('./infra/alarms');
    return {
      apiUrl: api.url,
      inputBucket: inputs.name,
      outputBucket: outputs.name,
      workQueueUrl: workQueue.url,
      deadLetterQueueUrl: deadLetterQueue.url,
      fanOutFailuresQueueUrl: fanOutFailures.url,
      jobsTable: jobsTable.name,
      labellingBucket: labellingBucket.name,
      alarmTopic: alarmTopic.arn,
    };
  },
});
