import { decodeWorkMessageBody, type Logger, type WorkMessage } from '@thinkbatch/core';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSRecord } from 'aws-lambda';

/**
 * Run every record of an SQS batch and collect per-record outcomes into a partial batch response: a
 * record whose work throws is reported by its messageId and comes back; the others are deleted. A body
 * that is not a WorkMessage can never succeed, so it is logged and dropped rather than retried.
 */
export async function processSqsRecords(
  records: readonly SQSRecord[],
  log: Logger,
  work: (message: WorkMessage, record: SQSRecord) => Promise<void>,
): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchItemFailure[] = [];
  await Promise.all(
    records.map(async (record) => {
      const decoded = decodeWorkMessageBody(record.body);
      if (decoded.kind === 'invalid') {
        log.error('dropping a message that is not a work message', {
          messageId: record.messageId,
          reason: decoded.reason,
        });
        return;
      }
      const { message } = decoded;
      try {
        await work(message, record);
      } catch (error) {
        log.error('work item failed; it will be redelivered', {
          messageId: record.messageId,
          jobId: message.jobId,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures };
}
