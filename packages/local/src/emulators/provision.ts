import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DEAD_LETTER, FAN_OUT_FAILURES, QUEUE, STORAGE } from '@thinkbatch/core/settings';

/** The DLQ's visibility timeout per its consumer's timeout (AWS's rule for queues that feed Lambda, as infra). */
const DEAD_LETTER_VISIBILITY_FACTOR = 6;

/**
 * The dead-letter queue's attributes, as `infra/args/queues.ts` declares them (a test compares the two):
 * its consumer's visibility, the work queue's retention and message size, and a dead letter its
 * consumer fails on `DEAD_LETTER.maxReceiveCount` times parked in `parkingArn`.
 */
export function deadLetterQueueAttributes(parkingArn: string): Record<string, string> {
  return {
    VisibilityTimeout: String(DEAD_LETTER_VISIBILITY_FACTOR * DEAD_LETTER.timeoutSeconds),
    MessageRetentionPeriod: String(QUEUE.dlqRetentionSeconds),
    MaximumMessageSize: String(QUEUE.maximumMessageSizeBytes),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: parkingArn,
      maxReceiveCount: DEAD_LETTER.maxReceiveCount,
    }),
  };
}

/** Names of everything thinkbatch needs. */
export interface ResourceNames {
  readonly inputBucket: string;
  readonly outputBucket: string;
  readonly queueName: string;
  readonly dlqName: string;
  /** Where dead letters the DLQ consumer keeps failing on are parked (as `DeadLetterParking` on AWS). */
  readonly dlqParkingName: string;
  /** Where fan-out events go after their async retries (Lambda's on-failure destination). */
  readonly fanOutFailuresName: string;
  readonly tableName: string;
}

/** Default names, used locally when none are given. */
export const DEFAULT_RESOURCE_NAMES = {
  inputBucket: 'thinkbatch-input',
  outputBucket: 'thinkbatch-output',
  queueName: 'thinkbatch-work',
  dlqName: 'thinkbatch-work-dlq',
  dlqParkingName: 'thinkbatch-dead-letter-parking',
  fanOutFailuresName: 'thinkbatch-fan-out-failures',
  tableName: 'thinkbatch-jobs',
} as const satisfies ResourceNames;

/** Options of {@link provisionResources}: names (each defaulting to {@link DEFAULT_RESOURCE_NAMES}) and queue settings. */
export interface ProvisionOptions extends Partial<ResourceNames> {
  /** Work queue visibility timeout; local tests use a few seconds. @default QUEUE.visibilityTimeoutSeconds */
  readonly visibilityTimeoutSeconds?: number;
  /** Deliveries before a work item moves to the DLQ. @default QUEUE.maxReceiveCount */
  readonly maxReceiveCount?: number;
}

/** What {@link provisionResources} created or found. */
export interface ProvisionedResources {
  readonly inputBucket: string;
  readonly outputBucket: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly dlqParkingUrl: string;
  readonly fanOutFailuresUrl: string;
  readonly tableName: string;
}

const errorName = (error: unknown): string => (error instanceof Error ? error.name : '');

/** Create a bucket unless it exists. */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(errorName(error))) throw error;
  }
}

/** Create a queue, or bring an existing one's attributes to the wanted values; returns its URL. */
export async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  try {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (created.QueueUrl !== undefined) return created.QueueUrl;
  } catch (error) {
    if (!/QueueNameExists|QueueAlreadyExists/.test(errorName(error))) throw error;
  }
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new Error(`queue ${name} has no URL`);
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
  return QueueUrl;
}

/** The ARN of a queue. */
export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const { QueueArn: arn } = out.Attributes ?? {};
  if (arn === undefined) throw new Error(`queue ${queueUrl} has no QueueArn`);
  return arn;
}

/** The job table's attributes used as keys (of the table and of its indexes): strings. */
const KEY_ATTRIBUTES: AttributeDefinition[] = [
  STORAGE.tablePartitionKey,
  STORAGE.tableSortKey,
  STORAGE.unfinishedJobsKey,
  'status',
  STORAGE.jobInputKey,
  STORAGE.jobCreatedKey,
].map((name) => ({ AttributeName: name, AttributeType: 'S' }));

/** The sparse index of unfinished jobs, as `infra/table.ts` declares it: hash key only, keys projected. */
export const UNFINISHED_JOBS_INDEX: GlobalSecondaryIndex = {
  IndexName: STORAGE.unfinishedJobsIndex,
  KeySchema: [{ AttributeName: STORAGE.unfinishedJobsKey, KeyType: 'HASH' }],
  Projection: { ProjectionType: 'KEYS_ONLY' },
};

/** The job-list index by status, as `infra/table.ts` declares it: `status` and the list position, keys projected. */
export const JOBS_BY_STATUS_INDEX: GlobalSecondaryIndex = {
  IndexName: STORAGE.jobsByStatusIndex,
  KeySchema: [
    { AttributeName: 'status', KeyType: 'HASH' },
    { AttributeName: STORAGE.jobCreatedKey, KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'KEYS_ONLY' },
};

/** The job-list index by input key, as `infra/table.ts` declares it: input key and list position, keys projected. */
export const JOBS_BY_INPUT_INDEX: GlobalSecondaryIndex = {
  IndexName: STORAGE.jobsByInputIndex,
  KeySchema: [
    { AttributeName: STORAGE.jobInputKey, KeyType: 'HASH' },
    { AttributeName: STORAGE.jobCreatedKey, KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'KEYS_ONLY' },
};

/** Every index of the job table. */
export const JOB_TABLE_INDEXES: readonly GlobalSecondaryIndex[] = [
  UNFINISHED_JOBS_INDEX,
  JOBS_BY_STATUS_INDEX,
  JOBS_BY_INPUT_INDEX,
];

/**
 * Create the job table (`pk`/`sk` string keys, on-demand, the index of unfinished jobs and the job-list
 * indexes) unless it exists, and wait until it is active. A table without one of the indexes (an older
 * data directory) is refused.
 */
export async function ensureTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: KEY_ATTRIBUTES,
        KeySchema: [
          { AttributeName: STORAGE.tablePartitionKey, KeyType: 'HASH' },
          { AttributeName: STORAGE.tableSortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [...JOB_TABLE_INDEXES],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }
  const table = await waitUntilActive(dynamodb, tableName);
  const present = new Set((table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const missing = JOB_TABLE_INDEXES.map((index) => index.IndexName).filter((name) => !present.has(name));
  // dynalite accepts an UpdateTable that adds an index but never builds it: refuse clearly instead.
  if (missing.length > 0) {
    throw new Error(
      `table ${tableName} has no index ${missing.join(', ')}: its data directory predates it; start with a new data directory`,
    );
  }
}

async function waitUntilActive(dynamodb: DynamoDBClient, tableName: string): Promise<TableDescription> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === 'ACTIVE',
    );
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return Table;
    if (Date.now() > deadline)
      throw new Error(`table ${tableName} is still ${Table?.TableStatus} after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Create the buckets, the work queue with its dead-letter queue (attributes from `QUEUE`), the fan-out
 * failure queue, and the job table (`pk`/`sk` string keys, on-demand, its indexes). Idempotent: on an existing data directory it finds what exists and
 * resets the queues' attributes to the wanted values.
 */
export async function provisionResources(
  clients: { readonly s3: S3Client; readonly sqs: SQSClient; readonly dynamodb: DynamoDBClient },
  options: ProvisionOptions = {},
): Promise<ProvisionedResources> {
  const { s3, sqs, dynamodb } = clients;
  const names: ResourceNames = {
    inputBucket: options.inputBucket ?? DEFAULT_RESOURCE_NAMES.inputBucket,
    outputBucket: options.outputBucket ?? DEFAULT_RESOURCE_NAMES.outputBucket,
    queueName: options.queueName ?? DEFAULT_RESOURCE_NAMES.queueName,
    dlqName: options.dlqName ?? DEFAULT_RESOURCE_NAMES.dlqName,
    dlqParkingName: options.dlqParkingName ?? DEFAULT_RESOURCE_NAMES.dlqParkingName,
    fanOutFailuresName: options.fanOutFailuresName ?? DEFAULT_RESOURCE_NAMES.fanOutFailuresName,
    tableName: options.tableName ?? DEFAULT_RESOURCE_NAMES.tableName,
  };
  await Promise.all([
    ensureBucket(s3, names.inputBucket),
    ensureBucket(s3, names.outputBucket),
    ensureTable(dynamodb, names.tableName),
  ]);
  const dlqParkingUrl = await ensureQueue(sqs, names.dlqParkingName, {
    MessageRetentionPeriod: String(QUEUE.dlqRetentionSeconds),
    MaximumMessageSize: String(QUEUE.maximumMessageSizeBytes),
  });
  const dlqUrl = await ensureQueue(
    sqs,
    names.dlqName,
    deadLetterQueueAttributes(await queueArn(sqs, dlqParkingUrl)),
  );
  const redrivePolicy = {
    deadLetterTargetArn: await queueArn(sqs, dlqUrl),
    maxReceiveCount: options.maxReceiveCount ?? QUEUE.maxReceiveCount,
  };
  const queueUrl = await ensureQueue(sqs, names.queueName, {
    VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? QUEUE.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(QUEUE.retentionSeconds),
    MaximumMessageSize: String(QUEUE.maximumMessageSizeBytes),
    RedrivePolicy: JSON.stringify(redrivePolicy),
  });
  const fanOutFailuresUrl = await ensureQueue(sqs, names.fanOutFailuresName, {
    MessageRetentionPeriod: String(FAN_OUT_FAILURES.retentionSeconds),
  });
  return {
    inputBucket: names.inputBucket,
    outputBucket: names.outputBucket,
    queueUrl,
    dlqUrl,
    dlqParkingUrl,
    fanOutFailuresUrl,
    tableName: names.tableName,
  };
}
