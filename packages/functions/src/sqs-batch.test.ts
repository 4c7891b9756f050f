import { encodeWorkMessageBody, type WorkMessage } from '@thinkbatch/core';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { processSqsRecords } from './sqs-batch';

function record(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:work',
    awsRegion: 'us-east-1',
  };
}

const finalize = (jobId: string): string => encodeWorkMessageBody({ type: 'finalize_job', jobId });

describe('processSqsRecords', () => {
  it('reports exactly the records whose work threw, by messageId', async () => {
    const logged: string[] = [];
    const log = { info: () => {}, warn: () => {}, error: (m: string) => void logged.push(m) };
    const seen: WorkMessage[] = [];
    const response = await processSqsRecords(
      [record('m1', finalize('a')), record('m2', finalize('boom')), record('m3', finalize('c'))],
      log,
      async (message) => {
        seen.push(message);
        if (message.jobId === 'boom') throw new Error('storage unavailable');
      },
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    expect(seen.map((m) => m.jobId).sort()).toEqual(['a', 'boom', 'c']);
    expect(logged).toEqual(['work item failed; it will be redelivered']);
  });

  it('reads escaped bodies back exactly, lone surrogates included', async () => {
    const log = { info: () => {}, warn: () => {}, error: () => {} };
    const customId = 'unicode-😀-漢字-\uFFFF-\uD800-\u0001';
    const body = encodeWorkMessageBody({
      type: 'run_chunk',
      jobId: 'j',
      chunk: 0,
      handoffs: 0,
      lines: [{ line: 1, customId, byteStart: 0, byteEnd: 1 }],
    });
    const seen: string[] = [];
    await processSqsRecords([record('m1', body)], log, async (message) => {
      if (message.type === 'run_chunk') seen.push(...message.lines.map((ref) => ref.customId));
    });
    expect(seen).toEqual([customId]);
  });

  it('drops a body that is not a work message instead of retrying it forever', async () => {
    const logged: string[] = [];
    const log = { info: () => {}, warn: () => {}, error: (m: string) => void logged.push(m) };
    let calls = 0;
    const response = await processSqsRecords(
      [record('bad-json', '{nope'), record('bad-shape', '{"type":"explode"}'), record('ok', finalize('j'))],
      log,
      async () => {
        calls += 1;
      },
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(calls).toBe(1);
    expect(logged).toEqual([
      'dropping a message that is not a work message',
      'dropping a message that is not a work message',
    ]);
  });
});
