import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { createDynamoJobStore, createS3ObjectStore } from '@thinkbatch/aws-adapters';
import { createJsonLogger, ENDPOINT, systemClock } from '@thinkbatch/core';
import type { LabellingDeps } from '@thinkbatch/labelling';
import { Resource } from 'sst';

/** The links `infra/args/labelling-handlers.ts` gives the labelling functions (names must match it). */
interface LabellingLinks {
  readonly LabellingBucket: { readonly name: string };
  /** The input bucket, writable under `inputs/` only. */
  readonly LabellingInputs: { readonly name: string };
  /** The output bucket, read-only. */
  readonly LabellingOutputs: { readonly name: string };
  readonly JobsTable: { readonly name: string };
}

/** The deps of a labelling function in Lambda: SDK clients with its role, names from its links. */
export function labellingDepsFromEnvironment(): LabellingDeps {
  const linked = Resource as unknown as LabellingLinks;
  const s3 = new S3Client({});
  const env = process.env;
  return {
    store: createS3ObjectStore({ s3, bucket: linked.LabellingBucket.name }),
    jobs: createDynamoJobStore({ dynamodb: new DynamoDBClient({}), tableName: linked.JobsTable.name }),
    input: createS3ObjectStore({ s3, bucket: linked.LabellingInputs.name }),
    output: createS3ObjectStore({ s3, bucket: linked.LabellingOutputs.name }),
    // The input bucket's notification starts the fan-out on AWS.
    announceUpload: async () => {},
    clock: systemClock,
    log: createJsonLogger({ function: env['AWS_LAMBDA_FUNCTION_NAME'] ?? 'thinkbatch-labelling' }),
    defaultModel: env['THINKBATCH_MODEL'] || ENDPOINT.model,
  };
}

/** Build the deps on first use and reuse them for later invocations of the same container. */
export function onceLabellingDeps(
  build: () => LabellingDeps = labellingDepsFromEnvironment,
): () => LabellingDeps {
  let deps: LabellingDeps | undefined;
  return () => {
    deps ??= build();
    return deps;
  };
}
