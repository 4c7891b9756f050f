import { ObjectStoreError } from '@thinkbatch/core';
import { awsErrorFacts, isTransientAwsError } from './aws-error';

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
  return new ObjectStoreError(detail, isTransientAwsError(facts) ? 'unavailable' : 'unknown', {
    cause: error,
  });
}
