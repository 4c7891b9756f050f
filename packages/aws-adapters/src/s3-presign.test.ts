import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createS3ObjectStore } from './s3-object-store';

// Presigning is local computation: no server is contacted.
const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9',
  forcePathStyle: true,
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const store = createS3ObjectStore({ s3, bucket: 'bucket' });

describe('presigned requests', () => {
  it('signs an upload with its content type and metadata as headers, and no checksum of an empty body', async () => {
    const put = await store.presignPut('inputs/a b.jsonl', {
      expiresInSeconds: 900,
      contentType: 'application/x-ndjson',
      metadata: { 'thinkbatch-job-id': 'job-1' },
    });
    expect(put.method).toBe('PUT');
    expect(put.headers).toEqual({
      'content-type': 'application/x-ndjson',
      'x-amz-meta-thinkbatch-job-id': 'job-1',
    });
    const url = new URL(put.url);
    expect(url.pathname).toBe('/bucket/inputs/a%20b.jsonl');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-type;host;x-amz-meta-thinkbatch-job-id',
    );
    expect([...url.searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
    expect(url.searchParams.has('x-amz-meta-thinkbatch-job-id')).toBe(false);
  });

  it('signs a download of the key for the given lifetime, with no headers to send', async () => {
    const get = await store.presignGet('jobs/j/results.jsonl', { expiresInSeconds: 60 });
    expect(get).toMatchObject({ method: 'GET', headers: {} });
    const url = new URL(get.url);
    expect(url.pathname).toBe('/bucket/jobs/j/results.jsonl');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  });
});
