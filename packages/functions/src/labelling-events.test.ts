import type { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createSqsJobEvents } from '@thinkbatch/aws-adapters';
import { type JobFinishedEvent, ObjectStoreError, silentLogger } from '@thinkbatch/core';
import { LABELLING_METADATA, type LabellingDeps } from '@thinkbatch/labelling';
import {
  createFakeClock,
  createInMemoryJobStore,
  createInMemoryObjectStore,
  makeSqsRecord,
} from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { createLabellingEventsHandler } from './labelling-events';
import { createLabellingTickHandler } from './labelling-tick';

function labellingDeps(store = createInMemoryObjectStore('labelling')): LabellingDeps {
  return {
    store,
    jobs: createInMemoryJobStore(),
    input: createInMemoryObjectStore('inputs'),
    output: createInMemoryObjectStore('outputs'),
    announceUpload: async () => {},
    clock: createFakeClock(),
    log: silentLogger,
    defaultModel: 'm',
  };
}

const event = (metadata: Record<string, string>): JobFinishedEvent => ({
  kind: 'job_finished',
  jobId: 'job-1',
  status: 'completed',
  metadata,
  outputs: null,
});

describe('the labelling events consumer', () => {
  it('ignores jobs of no run, drops what is no event, and hands back an event it could not handle', async () => {
    const store = createInMemoryObjectStore('labelling');
    const failing = {
      ...store,
      bucket: store.bucket,
      get: async () => {
        throw new ObjectStoreError('S3 is down (injected)', 'unavailable');
      },
    };
    const handler = createLabellingEventsHandler(() => labellingDeps(failing));
    const ofRun = event({ [LABELLING_METADATA.task]: 't', [LABELLING_METADATA.run]: 'lbl-1' });
    const response = await handler({
      Records: [
        makeSqsRecord({ messageId: 'plain', body: JSON.stringify(event({})) }),
        makeSqsRecord({ messageId: 'garbage', body: '{not json' }),
        makeSqsRecord({ messageId: 'run', body: JSON.stringify(ofRun) }),
      ],
    });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'run' }]);
  });

  it('reads the events the SQS publisher writes: every character outside printable ASCII escaped', async () => {
    const sent: string[] = [];
    const events = createSqsJobEvents({
      queueUrl: 'https://sqs.example/q',
      sqs: {
        send: async (command: SendMessageCommand) => {
          sent.push(command.input.MessageBody ?? '');
          return { $metadata: {} };
        },
      },
    });
    const published = event({ note: 'é\uffff😀' });
    await events.jobFinished(published);
    expect(sent[0]).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(sent[0] ?? '')).toEqual(published);
  });
});

describe('the labelling tick', () => {
  it('runs nothing when no task is stored', async () => {
    const handler = createLabellingTickHandler(() => labellingDeps());
    expect(await handler()).toEqual([]);
  });
});
