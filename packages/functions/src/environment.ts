import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  createDynamoJobStore,
  createDynamoRateGate,
  createS3ObjectStore,
  createSqsJobEvents,
  createSqsWorkQueue,
} from '@thinkbatch/aws-adapters';
import {
  createJsonLogger,
  createRateGates,
  ENDPOINT,
  endpointLimitsFromEnv,
  type JobStore,
  type ModelClient,
  type ObjectStore,
  type PipelineDeps,
  parsePipelineConfig,
  type RateGates,
  resolveEndpointLimits,
  systemClock,
  type WorkQueue,
} from '@thinkbatch/core';
import { createOpenAIModelClient } from '@thinkbatch/openai-model-client';
import { linked } from './linked-resources';

/** Build a value on first use, then keep it. */
function memo<T>(make: () => T): () => T {
  let value: { readonly v: T } | undefined;
  return () => {
    value ??= { v: make() };
    return value.v;
  };
}

/**
 * The deps of a handler running in AWS Lambda: SDK clients with the function's role, names from SST
 * links, endpoint from `THINKBATCH_ENDPOINT` / `THINKBATCH_MODEL` (set by infra), key from the secret,
 * the endpoint's limits from `ENDPOINT_LIMITS_ENV` (validated here, once; unset: NVIDIA's trial tier).
 * Each adapter is built on first use, because each function is linked only to what it needs (SST
 * throws when a handler reads a resource it is not linked to: the fan-out never sees the API key).
 * The rate gates are items of the jobs table, so the worker needs no link beyond `JobsTable`.
 */
export function depsFromEnvironment(): PipelineDeps {
  const env = process.env;
  const baseURL = env['THINKBATCH_ENDPOINT'] || ENDPOINT.baseURL;
  const rateLimits = resolveEndpointLimits(baseURL, endpointLimitsFromEnv(env));
  const s3 = memo(() => new S3Client({}));
  const dynamodb = memo(() => new DynamoDBClient({}));
  const input = memo(() => createS3ObjectStore({ s3: s3(), bucket: linked.InputBucket.name }));
  const output = memo(() => createS3ObjectStore({ s3: s3(), bucket: linked.OutputBucket.name }));
  const jobs = memo(() => createDynamoJobStore({ dynamodb: dynamodb(), tableName: linked.JobsTable.name }));
  const queue = memo(() => createSqsWorkQueue({ sqs: new SQSClient({}), queueUrl: linked.WorkQueue.url }));
  const model = memo(() => createOpenAIModelClient({ baseURL, apiKey: linked.NvidiaApiKey.value }));
  // Job finished events for labelling runs; only the functions that end jobs are linked to the queue.
  const events = memo(() =>
    createSqsJobEvents({ sqs: new SQSClient({}), queueUrl: linked.LabellingEvents.url }),
  );
  const rateGates = memo(() =>
    createRateGates({
      baseURL,
      apiKey: linked.NvidiaApiKey.value,
      settings: rateLimits,
      create: (key, settings) =>
        createDynamoRateGate({ dynamodb: dynamodb(), tableName: linked.JobsTable.name, key, settings }),
    }),
  );
  return {
    get input(): ObjectStore {
      return input();
    },
    get output(): ObjectStore {
      return output();
    },
    get jobs(): JobStore {
      return jobs();
    },
    get queue(): WorkQueue {
      return queue();
    },
    get model(): ModelClient {
      return model();
    },
    get rateGates(): RateGates {
      return rateGates();
    },
    clock: systemClock,
    random: Math.random,
    newToken: () => randomUUID().slice(0, 12),
    log: createJsonLogger({ function: env['AWS_LAMBDA_FUNCTION_NAME'] ?? 'thinkbatch' }),
    config: parsePipelineConfig({ defaultModel: env['THINKBATCH_MODEL'] || undefined }),
    events: { jobFinished: (event) => events().jobFinished(event) },
  };
}
