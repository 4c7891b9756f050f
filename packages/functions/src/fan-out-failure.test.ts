import { jobIdForUpload } from '@thinkbatch/core';
import { createPipelineHarness } from '@thinkbatch/testing';
import type { S3Event, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { asyncFailureRecord, readAsyncFailureRecord } from './async-failure-record';
import { createFanOutFailureHandler } from './fan-out-failure';

function s3Event(key: string, sequencer: string): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2026-01-01T00:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'p' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'r', 'x-amz-id-2': 'i' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'FanOut',
          bucket: {
            name: 'input-bucket',
            ownerIdentity: { principalId: 'p' },
            arn: 'arn:aws:s3:::input-bucket',
          },
          object: {
            key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'),
            size: 1,
            eTag: 'e',
            sequencer,
          },
        },
      },
    ],
  };
}

function sqsRecord(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'lambda',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:fan-out-failures',
    awsRegion: 'us-east-1',
  };
}

/** A destination record as AWS documents it (an unhandled error after two retries). */
const documentedRecord = (requestPayload: unknown) =>
  JSON.stringify({
    version: '1.0',
    timestamp: '2026-01-01T00:03:05.568Z',
    requestContext: {
      requestId: 'e4b46cbf-b738-xmpl-8880-a18cdf61200e',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fan-out:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: 'WorkQueueError',
      errorMessage: 'SendMessageBatch failed: ServiceUnavailable',
    },
  });

describe('fan-out failure handler', () => {
  it('fails the job of the upload in a destination record, found as startJob finds it', async () => {
    const h = createPipelineHarness();
    await h.input.put('inputs/my file.jsonl', '{"prompt":"a"}\n{broken\n');
    const event = s3Event('inputs/my file.jsonl', 'SEQ1');
    const handler = createFanOutFailureHandler(async () => h.deps);
    const response = await handler({ Records: [sqsRecord('m1', documentedRecord(event))] });
    expect(response).toEqual({ batchItemFailures: [] });
    const jobId = jobIdForUpload({ bucket: 'input-bucket', key: 'inputs/my file.jsonl', identity: 'SEQ1' });
    expect(await h.jobs.getJob(jobId)).toMatchObject({
      status: 'failed',
      error: {
        code: 'fan_out_failed',
        message:
          'fan-out of s3://input-bucket/inputs/my file.jsonl failed 3 times: SendMessageBatch failed: ServiceUnavailable',
      },
    });
  });

  it('drops what is not a failure record, and retries a record whose handling threw', async () => {
    const h = createPipelineHarness();
    await h.input.put('inputs/x.jsonl', '{"prompt":"a"}\n');
    const broken = {
      ...h.deps,
      jobs: { ...h.deps.jobs, createJob: async () => Promise.reject(new Error('table down')) },
    };
    const handler = createFanOutFailureHandler(async () => broken);
    const response = await handler({
      Records: [
        sqsRecord('junk', '{"hello":1}'),
        sqsRecord('not-s3', documentedRecord({ orderIds: [1] })),
        sqsRecord('retry', documentedRecord(s3Event('inputs/x.jsonl', 'S'))),
      ],
    });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'retry' }] });
  });

  it('builds the record the local runtime sends the same way it is read', () => {
    const event = s3Event('inputs/a.jsonl', 'S');
    const record = asyncFailureRecord({
      event,
      error: new Error('boom'),
      attempts: 3,
      functionArn: 'arn:local:fan-out',
      requestId: 'r',
      now: new Date(0),
    });
    expect(readAsyncFailureRecord(JSON.stringify(record))).toEqual({
      event,
      failure: { attempts: 3, message: 'boom' },
    });
    const expired = {
      ...record,
      requestContext: { ...record.requestContext, condition: 'EventAgeExceeded' },
    };
    delete (expired as { responsePayload?: unknown }).responsePayload;
    expect(readAsyncFailureRecord(JSON.stringify(expired))?.failure.message).toBe(
      'the event was given up (EventAgeExceeded) without an error message',
    );
  });
});
