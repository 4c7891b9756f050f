import { ObjectStoreError } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { isS3InvalidRange, isS3NotFound, toObjectStoreError } from './s3-error';

const sdkError = (name: string, status?: number): Error =>
  Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
  });

describe('S3 error translation', () => {
  it('recognises a missing object but not a missing bucket', () => {
    expect(isS3NotFound(sdkError('NoSuchKey', 404))).toBe(true);
    expect(isS3NotFound(sdkError('NotFound', 404))).toBe(true);
    expect(isS3NotFound(sdkError('Unknown', 404))).toBe(true);
    expect(isS3NotFound(sdkError('NoSuchBucket', 404))).toBe(false);
    expect(isS3NotFound(sdkError('AccessDenied', 403))).toBe(false);
    expect(isS3InvalidRange(sdkError('InvalidRange', 416))).toBe(true);
  });

  it('maps 412 to precondition_failed, throttling, 5xx and network failures to unavailable, the rest to unknown', () => {
    const cases: [Error, ObjectStoreError['code']][] = [
      [sdkError('PreconditionFailed', 412), 'precondition_failed'],
      [sdkError('SlowDown', 503), 'unavailable'],
      [sdkError('InternalError', 500), 'unavailable'],
      [sdkError('ECONNREFUSED'), 'unavailable'],
      [sdkError('AccessDenied', 403), 'unknown'],
      [sdkError('NoSuchBucket', 404), 'unknown'],
    ];
    for (const [error, code] of cases) {
      const translated = toObjectStoreError(error, 'GetObject s3://b/k');
      expect(translated).toBeInstanceOf(ObjectStoreError);
      expect(translated.code).toBe(code);
      expect(translated.cause).toBe(error);
      expect(translated.message).toContain(`GetObject s3://b/k: ${error.name}`);
    }
  });

  it('classes a 4xx S3 will answer again as permanent, never throttling, timeouts or preconditions', () => {
    const cases: [Error, ObjectStoreError['code'], boolean][] = [
      [sdkError('EntityTooLarge', 400), 'unknown', true],
      [sdkError('InvalidArgument', 400), 'unknown', true],
      [sdkError('AccessDenied', 403), 'unknown', true],
      [sdkError('RequestTimeout', 400), 'unavailable', false],
      [sdkError('RequestTimeout', 408), 'unavailable', false],
      [sdkError('SlowDown', 503), 'unavailable', false],
      [sdkError('TooManyRequests', 429), 'unavailable', false],
      [sdkError('PreconditionFailed', 412), 'precondition_failed', false],
      [sdkError('NoSuchBucket', 404), 'unknown', false],
      [sdkError('ECONNRESET'), 'unavailable', false],
      [sdkError('InternalError', 500), 'unavailable', false],
    ];
    for (const [error, code, permanent] of cases) {
      const translated = toObjectStoreError(error, 'PutObject s3://b/k');
      expect([error.name, translated.code, translated.permanent]).toEqual([error.name, code, permanent]);
    }
  });

  it('passes an ObjectStoreError through unchanged', () => {
    const original = new ObjectStoreError('x', 'precondition_failed');
    expect(toObjectStoreError(original, 'what')).toBe(original);
  });
});
