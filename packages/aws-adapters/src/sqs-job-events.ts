import { SendMessageCommand, type SendMessageCommandOutput } from '@aws-sdk/client-sqs';
import type { JobEvents } from '@thinkbatch/core';

/** The one SQS call the job events make; an `SQSClient` is one, and so is a test's fake. */
export interface SqsMessageSender {
  send(command: SendMessageCommand): Promise<SendMessageCommandOutput>;
}

/**
 * `JobEvents` on an SQS queue: each event one message, its body the event as JSON with every character
 * outside printable ASCII escaped (job metadata is the submitter's text; SQS refuses some characters raw).
 */
export function createSqsJobEvents(options: {
  readonly sqs: SqsMessageSender;
  readonly queueUrl: string;
}): JobEvents {
  return {
    jobFinished: async (event) => {
      const body = JSON.stringify(event).replace(
        /[^\x20-\x7e]/g,
        (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
      await options.sqs.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: body }));
    },
  };
}
