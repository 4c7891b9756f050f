export * from './dynamo-job-store';
export * from './s3-object-store';
export * from './sqs-work-queue';
