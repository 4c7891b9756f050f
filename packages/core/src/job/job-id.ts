import { createHash, randomUUID } from 'node:crypto';

/** Job ids: 1–64 characters of `[A-Za-z0-9_-]` (they become S3 key segments and table keys). */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidJobId(value: string): boolean {
  return JOB_ID_PATTERN.test(value);
}

/**
 * The job id of an upload: a hash of the bucket, key and the upload's identity (the S3 event's
 * `sequencer`, unique per PUT of a key, else the version id or etag). Duplicate deliveries of the same
 * event get the same id, so they find the existing job instead of starting a second one.
 */
export function jobIdForUpload(upload: { bucket: string; key: string; identity: string }): string {
  const digest = createHash('sha256')
    .update(`${upload.bucket}\n${upload.key}\n${upload.identity}`)
    .digest('base64url')
    .slice(0, 22);
  return `job_${digest}`;
}

/** A fresh, sortable job id for a submission that names none: `job_<UTC yyyymmddhhmmss>_<8 hex>`. */
export function newJobId(now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
  return `job_${stamp}_${randomUUID().slice(0, 8)}`;
}

/**
 * The job id a client's idempotency key stands for (the API's `Idempotency-Key`): a hash of the key and
 * the kind of request (`create`, `retry:<parent>`), so every replay of a request names the same job and
 * finds it instead of starting another.
 */
export function jobIdForIdempotencyKey(key: string, request: string): string {
  const digest = createHash('sha256')
    .update(`idempotency\n${request}\n${key}`)
    .digest('base64url')
    .slice(0, 22);
  return `job_${digest}`;
}
