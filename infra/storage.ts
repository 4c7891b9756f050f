/**
 * Days after which S3 aborts an unfinished multipart upload (a client that gave up on an upload, a
 * function that timed out in the middle of writing results), so its parts stop costing storage.
 * @default 7
 */
export const ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS = 7;

/**
 * Uploads: a `.jsonl` object under `STORAGE.inputPrefix` starts a job (see `functions.ts`). Private
 * (SST blocks public access by default) and HTTPS-only.
 */
export const inputs = new sst.aws.Bucket('Inputs');

/** Results: everything a job writes, under `jobs/<jobId>/`. Private and HTTPS-only. */
export const outputs = new sst.aws.Bucket('Outputs');

abortIncompleteUploads('InputsLifecycle', inputs);
abortIncompleteUploads('OutputsLifecycle', outputs);

// Per-line result objects (`jobs/<jobId>/lines/…`) are not expired here: an S3 lifecycle filter is a
// plain prefix, so `jobs/*/lines/` cannot be matched without a different key layout or object tags.

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
