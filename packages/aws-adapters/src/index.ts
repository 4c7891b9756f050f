export * from './dynamo-job-store';
export * from './dynamo-rate-gate';
export * from './s3-object-store';
export * from './sqs-job-events';
export * from './sqs-work-queue';
