import { SQSClient } from '@aws-sdk/client-sqs';
import type { WorkQueue } from '@thinkbatch/core';
import { WorkQueueError } from '@thinkbatch/core';
import { awsErrorFacts, isTransientAwsError } from './aws-error';
import { createSqsWorkQueue, type SqsBatchSender, type SqsWorkQueueOptions } from './sqs-work-queue';

/**
 * The SQS work queue of {@link createSqsWorkQueue}, whose errors also say whether a retry can help: a
 * send that failed because SQS blamed the sender for an entry (`SenderFault`: the body is refused) or
 * refused the request with a client error other than throttling (the queue does not exist, access is
 * denied) becomes a permanent `WorkQueueError`, so the caller fails the job instead of retrying it for
 * minutes. Everything else stays transient. It only watches the SQS calls the adapter makes; what is
 * retried is still the adapter's decision.
 */
export function createSqsWorkQueueWithFailureKinds(options: SqsWorkQueueOptions): WorkQueue {
  const sqs: SqsBatchSender = options.sqs ?? new SQSClient({});
  return {
    send: async (messages, sendOptions) => {
      // What SQS said during this call that no retry fixes (one adapter per call: sends may overlap).
      const permanent: string[] = [];
      const watching: SqsBatchSender = {
        send: async (command) => {
          try {
            const out = await sqs.send(command);
            for (const entry of out.Failed ?? [])
              if (entry.SenderFault === true) permanent.push(entry.Code ?? 'SenderFault');
            return out;
          } catch (error) {
            const facts = awsErrorFacts(error);
            if (!isTransientAwsError(facts)) permanent.push(facts.name);
            throw error;
          }
        },
      };
      try {
        await createSqsWorkQueue({ ...options, sqs: watching }).send(messages, sendOptions);
      } catch (error) {
        if (!(error instanceof WorkQueueError) || error.permanent || permanent.length === 0) throw error;
        throw new WorkQueueError(error.message, {
          cause: error.cause ?? error,
          code: error.code,
          permanent: true,
        });
      }
    },
  };
}
