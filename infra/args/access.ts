import { STORAGE } from '../../packages/core/src/settings';

/**
 * What each link lets a function do. SST's own links grant `s3:*`, `sqs:*` and `dynamodb:*` on the
 * linked resource; infra links scoped `sst.Linkable`s instead (see `infra/links.ts`), named as the
 * handlers read them (`Resource.InputBucket.name`), with only the actions the adapters in
 * `packages/aws-adapters` use. A new adapter call that needs another action is added here.
 */
export const ACCESS = {
  /**
   * Read uploads: HeadObject and ranged GetObject (`s3:GetObject`). `s3:ListBucket` makes a missing key
   * a 404 rather than a 403, so the adapter can tell "gone" from "denied".
   */
  InputBucket: {
    kind: 'bucket',
    bucketActions: ['s3:ListBucket'],
    objectActions: ['s3:GetObject'],
  },
  /** Results: Get/Head, Put (multipart included), DeleteObjects, ListObjectsV2, aborting a failed upload. */
  OutputBucket: {
    kind: 'bucket',
    bucketActions: ['s3:ListBucket'],
    objectActions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
  },
  /** The job store: single-item conditional writes and a Query per job; no scans, no transactions. */
  JobsTable: {
    kind: 'table',
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  },
  /**
   * The sparse index of unfinished jobs (`STORAGE.unfinishedJobsIndex`): a Query on that index only,
   * for the sweeper. Granted on the index's ARN, which the table's grant does not cover.
   */
  UnfinishedJobs: {
    kind: 'index',
    actions: ['dynamodb:Query'],
  },
  /**
   * Sending work (SendMessageBatch is authorised as `sqs:SendMessage`). The worker's own receive,
   * delete and visibility rights come with its subscription, not with this link.
   */
  WorkQueue: {
    kind: 'queue',
    actions: ['sqs:SendMessage'],
  },
  /** The endpoint's API key: an encrypted value in the function bundle, no IAM. */
  NvidiaApiKey: { kind: 'secret' },
  /**
   * The API's view of the input bucket: it stores inline inputs and retry inputs, reads a parent's input
   * back for a retry, and signs upload slots (a presigned PUT carries the signer's rights) — under
   * `STORAGE.inputPrefix` only, never a delete. `s3:ListBucket` makes a missing key a 404.
   */
  ApiInputs: {
    kind: 'bucket',
    objectPrefix: STORAGE.inputPrefix,
    bucketActions: ['s3:ListBucket'],
    objectActions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
  },
  /** The API's view of the output bucket: read-only (summaries, results, and the download links it signs). */
  ApiOutputs: {
    kind: 'bucket',
    bucketActions: ['s3:ListBucket'],
    objectActions: ['s3:GetObject'],
  },
  /** The job-list indexes (`STORAGE.jobsByStatusIndex`, `STORAGE.jobsByInputIndex`): Query only, for the API. */
  JobListIndexes: {
    kind: 'index',
    actions: ['dynamodb:Query'],
  },
  /** The API's bearer token: an encrypted value in the function bundle, no IAM. */
  ApiToken: { kind: 'secret' },
  /** The API's read-only token (`none` when not set): an encrypted value in the function bundle, no IAM. */
  ApiReadToken: { kind: 'secret' },
  /**
   * The labelling bucket: dataset files (read) and labelling's own tasks, state, label cache and run
   * outputs under `thinkbatch/` (read, written, the open-run pointer deleted). For the labelling functions.
   */
  LabellingBucket: {
    kind: 'bucket',
    bucketActions: ['s3:ListBucket'],
    objectActions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
  },
  /** Labelling's view of the input bucket: it stores its runs' job inputs under `inputs/`, never deletes. */
  LabellingInputs: {
    kind: 'bucket',
    objectPrefix: STORAGE.inputPrefix,
    bucketActions: ['s3:ListBucket'],
    objectActions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
  },
  /** Labelling's view of the output bucket: read-only (its jobs' results and summaries). */
  LabellingOutputs: {
    kind: 'bucket',
    bucketActions: ['s3:ListBucket'],
    objectActions: ['s3:GetObject'],
  },
  /** Publishing job finished events: the functions that end jobs (finalize, failJob) send to it. */
  LabellingEvents: {
    kind: 'queue',
    actions: ['sqs:SendMessage'],
  },
} as const;

/** The name a handler reads a linked resource by (`Resource[name]`). */
export type LinkName = keyof typeof ACCESS;
