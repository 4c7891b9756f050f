import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import {
  type ApiAccessSettings,
  type ApiDeps,
  apiAccessFromEnv,
  bucketNotifications,
  createApiApp,
  parseApiConfig,
  type RateLimitConfig,
} from '@thinkbatch/api';
import { createDynamoJobStore, createS3ObjectStore } from '@thinkbatch/aws-adapters';
import { createJsonLogger, ENDPOINT, systemClock } from '@thinkbatch/core';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { Resource } from 'sst';

/**
 * What `infra/` links to the API function (see `infra/api.ts`): the input bucket with write access to
 * its `inputs/` only, the output bucket read-only, the job table, the job-list indexes and the token.
 */
export interface ApiLinkedResources {
  readonly ApiInputs: { readonly name: string };
  readonly ApiOutputs: { readonly name: string };
  readonly JobsTable: { readonly name: string };
  readonly JobListIndexes: { readonly byStatus: string; readonly byInput: string };
  readonly ApiToken: { readonly value: string };
  /** The read-only token; `none` (its placeholder) or absent: none. */
  readonly ApiReadToken?: { readonly value: string };
  /** The labelling bucket (tasks, their state and runs); without it the labelling routes answer 404. */
  readonly LabellingBucket?: { readonly name: string };
}

/**
 * The API's deps in Lambda: SDK clients with the function's role (it also signs the presigned links), names
 * from the links, the token from the `ApiToken` secret. The bucket notification starts every job, so
 * there is nothing to announce.
 */
export function apiDepsFromEnvironment(
  linked: ApiLinkedResources = Resource as unknown as ApiLinkedResources,
): ApiDeps {
  const s3 = new S3Client({});
  const jobs = createDynamoJobStore({
    dynamodb: new DynamoDBClient({}),
    tableName: linked.JobsTable.name,
    jobsByStatusIndex: linked.JobListIndexes.byStatus,
    jobsByInputIndex: linked.JobListIndexes.byInput,
  });
  const input = createS3ObjectStore({ s3, bucket: linked.ApiInputs.name });
  const output = createS3ObjectStore({ s3, bucket: linked.ApiOutputs.name });
  const log = createJsonLogger({ function: process.env['AWS_LAMBDA_FUNCTION_NAME'] ?? 'thinkbatch-api' });
  const defaultModel = process.env['THINKBATCH_MODEL'] || ENDPOINT.model;
  const labellingBucket = linked.LabellingBucket?.name;
  return {
    jobs,
    input,
    output,
    uploads: bucketNotifications,
    clock: systemClock,
    log,
    token: linked.ApiToken.value,
    readToken: readTokenOf(linked.ApiReadToken?.value),
    // The rate limit may be set per stage (THINKBATCH_API_RATE_LIMIT, from infra/args/api.ts).
    config: parseApiConfig({ defaultModel, ...rateLimitOf(apiAccessFromEnv(process.env)) }),
    labelling:
      labellingBucket === undefined
        ? null
        : {
            deps: {
              store: createS3ObjectStore({ s3, bucket: labellingBucket }),
              jobs,
              input,
              output,
              // The input bucket's notification starts the fan-out of a run's job.
              announceUpload: async () => {},
              clock: systemClock,
              log,
              defaultModel,
            },
          },
  };
}

/** The API as a Lambda handler (Function URL or API Gateway HTTP API events); the app is built on first use. */
export function createApiHandler(getDeps: () => ApiDeps) {
  let app: ReturnType<typeof handle> | undefined;
  return (event: LambdaEvent) => {
    app ??= handle(createApiApp(getDeps()));
    return app(event);
  };
}

export const handler = createApiHandler(() => apiDepsFromEnvironment());

/** The rate limit the environment set, if it set one. */
function rateLimitOf({ rateLimit }: ApiAccessSettings): { rateLimit?: RateLimitConfig | null } {
  return rateLimit === undefined ? {} : { rateLimit };
}

/** The `ApiReadToken` secret's placeholder: no read-only token. */
export const READ_TOKEN_NONE = 'none';

/** The read-only token the secret holds, or null when it holds its placeholder (or is not linked). */
function readTokenOf(value: string | undefined): string | null {
  return value === undefined || value === '' || value === READ_TOKEN_NONE ? null : value;
}
