import type { SendMessageBatchCommand, SendMessageBatchCommandOutput } from '@aws-sdk/client-sqs';
import type { WorkMessage } from '@thinkbatch/core';
import { isPermanentQueueFailure, WorkQueueError } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { createSqsWorkQueue, type SqsBatchSender } from './sqs-work-queue';

const message: WorkMessage = { type: 'finalize_job', jobId: 'job-1' };
const noSleep = { now: () => 0, sleep: async () => {} };

/** An SDK-shaped service error: a name and the HTTP status in `$metadata`. */
function serviceError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
}

function answering(
  answer: (command: SendMessageBatchCommand) => SendMessageBatchCommandOutput | Error,
): SqsBatchSender {
  return {
    send: async (command) => {
      const out = answer(command);
      if (out instanceof Error) throw out;
      return out;
    },
  };
}

const failedEntry = (senderFault: boolean, code: string) => (command: SendMessageBatchCommand) => ({
  Successful: [],
  Failed: (command.input.Entries ?? []).map((e) => ({ Id: e.Id, Code: code, SenderFault: senderFault })),
  $metadata: { httpStatusCode: 200 },
});

async function failureOf(sqs: SqsBatchSender): Promise<WorkQueueError> {
  const queue = createSqsWorkQueue({ queueUrl: 'q', sqs, maxAttempts: 2, clock: noSleep });
  const error = await queue.send([message]).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof WorkQueueError)) throw new Error(`expected a WorkQueueError, got ${String(error)}`);
  return error;
}

describe('createSqsWorkQueue failure kinds', () => {
  it('calls a refusal SQS blames on the sender permanent', async () => {
    const error = await failureOf(answering(failedEntry(true, 'InvalidMessageContents')));
    expect(isPermanentQueueFailure(error)).toBe(true);
    expect(error.message).toContain('InvalidMessageContents');
  });

  it('calls a missing queue or denied access permanent, keeping the SDK error as the cause', async () => {
    for (const [name, status] of [
      ['QueueDoesNotExist', 400],
      ['AccessDenied', 403],
    ] as const) {
      const sdkError = serviceError(name, status);
      const error = await failureOf(answering(() => sdkError));
      expect(error.permanent).toBe(true);
      expect(error.message).toContain(name);
      expect(error.cause).toBe(sdkError);
    }
  });

  it('leaves server errors, throttling, lost connections and unconfirmed entries transient', async () => {
    const transient = [
      answering(() => serviceError('InternalError', 500)),
      answering(() => serviceError('RequestThrottled', 400)),
      answering(() => new Error('socket hang up')),
      answering(failedEntry(false, 'ServiceUnavailable')),
    ];
    for (const sqs of transient) expect((await failureOf(sqs)).permanent).toBe(false);
  });

  it('sends what SQS accepts', async () => {
    const sent: string[] = [];
    const sqs = answering((command) => {
      for (const entry of command.input.Entries ?? []) sent.push(entry.MessageBody ?? '');
      return {
        Successful: (command.input.Entries ?? []).map((e) => ({
          Id: e.Id,
          MessageId: 'm',
          MD5OfMessageBody: 'x',
        })),
        Failed: [],
        $metadata: { httpStatusCode: 200 },
      };
    });
    await createSqsWorkQueue({ queueUrl: 'q', sqs }).send([message]);
    expect(sent.map((body) => JSON.parse(body))).toEqual([message]);
  });
});
