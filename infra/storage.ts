/**
 * Days after which S3 aborts an unfinished multipart upload (a client that gave up on an upload, a
 * function that timed out in the middle of writing results), so its parts stop costing storage.
 * @default 7
 */
export const ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS = 7;

/**
 * Both buckets keep SST's defaults of blocked public access and HTTPS-only requests; CORS (SST allows
 * every origin by default) is off, since no browser reads these buckets.
 */
const PRIVATE_BUCKET = { cors: false } as const satisfies sst.aws.BucketArgs;

/** Uploads: a `.jsonl` object under `STORAGE.inputPrefix` starts a job (see `functions.ts`). */
export const inputs = new sst.aws.Bucket('Inputs', PRIVATE_BUCKET);

/** Results: everything a job writes, under `jobs/<jobId>/`. */
export const outputs = new sst.aws.Bucket('Outputs', PRIVATE_BUCKET);

abortIncompleteUploads('InputsAbortIncompleteUploads', inputs);
abortIncompleteUploads('OutputsAbortIncompleteUploads', outputs);

// S3 keeps ONE lifecycle configuration per bucket: add rules to the one below, never through the
// Bucket's own `lifecycle` option (the two would overwrite each other).
// Per-line result objects (`jobs/<jobId>/lines/…`) are not expired: a lifecycle filter is a plain
// prefix, so `jobs/*/lines/` cannot be matched without another key layout or object tags.

function abortIncompleteUploads(name: string, bucket: sst.aws.Bucket) {
  return new aws.s3.BucketLifecycleConfiguration(name, {
    bucket: bucket.name,
    rules: [
      {
        id: 'abort-incomplete-multipart-uploads',
        status: 'Enabled',
        filter: { prefix: '' },
        abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS },
      },
    ],
  });
}
