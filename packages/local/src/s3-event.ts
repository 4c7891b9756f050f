import { randomUUID } from 'node:crypto';
import type { ObjectStore } from '@thinkbatch/core';
import type { S3Event } from 'aws-lambda';

/**
 * The event S3 would send for the object at `key` as it is now (its size and etag), or null when there
 * is no such object. Without a `sequencer`, a fresh one (S3's are hex and grow with each write).
 */
export async function createdEventOf(
  store: Pick<ObjectStore, 'head'>,
  args: { bucket: string; key: string; region: string; sequencer?: string },
): Promise<S3Event | null> {
  const info = await store.head(args.key);
  if (info === null) return null;
  return objectCreatedEvent({
    bucket: args.bucket,
    key: args.key,
    size: info.size,
    etag: info.etag,
    sequencer: args.sequencer ?? randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase(),
    region: args.region,
  });
}

/**
 * The `ObjectCreated:Put` notification S3 would deliver for an upload (the emulator accepts
 * notification configurations but never delivers them). Keys are URL-encoded as S3 does.
 */
export function objectCreatedEvent(args: {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  sequencer: string;
  region: string;
}): S3Event {
  const encodedKey = encodeURIComponent(args.key).replace(/%20/g, '+').replace(/%2F/g, '/');
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: args.region,
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'local' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': args.sequencer, 'x-amz-id-2': args.sequencer },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'thinkbatch-local',
          bucket: {
            name: args.bucket,
            ownerIdentity: { principalId: 'local' },
            arn: `arn:aws:s3:::${args.bucket}`,
          },
          object: {
            key: encodedKey,
            size: args.size,
            eTag: args.etag.replace(/"/g, ''),
            sequencer: args.sequencer,
          },
        },
      },
    ],
  };
}
