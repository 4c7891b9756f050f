import { ObjectStoreError } from '@thinkbatch/core';
import { type AwsErrorFacts, awsErrorFacts, isTransientAwsError } from './aws-error';

/** A missing object (HEAD answers a bare 404 `NotFound`, GET a `NoSuchKey`); a missing bucket is not "missing". */
export function isS3NotFound(error: unknown): boolean {
  const { name, status } = awsErrorFacts(error);
  return name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket');
}

/** A byte range that starts at or after the end of the object (HTTP 416). */
export function isS3InvalidRange(error: unknown): boolean {
  const { name, status } = awsErrorFacts(error);
  return name === 'InvalidRange' || status === 416;
}

/** Translate an S3 SDK error into the port's error, keeping the original as `cause`. */
export function toObjectStoreError(error: unknown, what: string): ObjectStoreError {
  if (error instanceof ObjectStoreError) return error;
  const facts = awsErrorFacts(error);
  const detail = `${what}: ${facts.name}${facts.status === undefined ? '' : ` (HTTP ${facts.status})`}: ${facts.message}`;
  if (facts.status === 412 || facts.name === 'PreconditionFailed') {
    return new ObjectStoreError(detail, 'precondition_failed', { cause: error });
  }
  if (isTransientAwsError(facts) || facts.status === 408 || /Timeout/.test(facts.name))
    return new ObjectStoreError(detail, 'unavailable', { cause: error });
  return new ObjectStoreError(detail, 'unknown', { cause: error, permanent: isRefusedForGood(facts) });
}

/**
 * A 4xx S3 will answer again to the same request (too large, malformed, refused): not throttling (429,
 * `SlowDown`), a timeout (408, `RequestTimeout`), a precondition or a missing object or range.
 */
function isRefusedForGood(facts: AwsErrorFacts): boolean {
  const { status } = facts;
  return status !== undefined && status >= 400 && status < 500 && ![404, 408, 412, 416, 429].includes(status);
}
