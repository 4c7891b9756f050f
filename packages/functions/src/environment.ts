import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDynamoJobStore, createS3ObjectStore, createSqsWorkQueue } from '@thinkbatch/aws-adapters';
import {
  createJsonLogger,
  defaultPipelineConfig,
  ENDPOINT,
  type PipelineDeps,
  systemClock,
} from '@thinkbatch/core';
import { createOpenAIModelClient } from '@thinkbatch/openai-model-client';
import { linked } from './linked-resources';

/**
 * The deps of a handler running in AWS Lambda: SDK clients with the function's role, names from SST
 * links, endpoint from `THINKBATCH_ENDPOINT` / `THINKBATCH_MODEL` (set by infra), key from the secret.
 * Read once per container.
 */
export function depsFromEnvironment(): PipelineDeps {
  const env = process.env;
  const s3 = new S3Client({});
  return {
    input: createS3ObjectStore({ s3, bucket: linked.InputBucket.name }),
    output: createS3ObjectStore({ s3, bucket: linked.OutputBucket.name }),
    jobs: createDynamoJobStore({ dynamodb: new DynamoDBClient({}), tableName: linked.JobsTable.name }),
    queue: createSqsWorkQueue({ sqs: new SQSClient({}), queueUrl: linked.WorkQueue.url }),
    model: createOpenAIModelClient({
      baseURL: env['THINKBATCH_ENDPOINT'] || ENDPOINT.baseURL,
      apiKey: linked.NvidiaApiKey.value,
    }),
    clock: systemClock,
    random: Math.random,
    newToken: () => randomUUID().slice(0, 12),
    log: createJsonLogger({ function: env['AWS_LAMBDA_FUNCTION_NAME'] ?? 'thinkbatch' }),
    config: { ...defaultPipelineConfig, defaultModel: env['THINKBATCH_MODEL'] || ENDPOINT.model },
  };
}
