import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { type AwsClients, createAwsClients } from './aws-clients';

/** The headers of the request the client would send, taken at the end of its stack (nothing is sent). */
async function headersSent(clients: AwsClients, command: PutObjectCommand | GetObjectCommand) {
  let headers: Record<string, string> = {};
  clients.s3.middlewareStack.add(
    () => async (args) => {
      headers = (args.request as { headers: Record<string, string> }).headers;
      throw new Error('captured');
    },
    { step: 'finalizeRequest', priority: 'low', name: 'capture-headers' },
  );
  try {
    await expect(clients.s3.send(command)).rejects.toThrow('captured');
  } finally {
    clients.s3.middlewareStack.remove('capture-headers');
  }
  return headers;
}

describe('createAwsClients', () => {
  let clients: AwsClients | undefined;
  afterEach(() => clients?.destroy());
  const emulatorClients = () =>
    createAwsClients({
      s3Endpoint: 'http://127.0.0.1:9',
      sqsEndpoint: 'http://127.0.0.1:9',
      dynamodbEndpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

  it('signs S3 requests but computes no body checksum where none is required (loopback emulators)', async () => {
    clients = emulatorClients();
    const put = await headersSent(
      clients,
      new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x'.repeat(1000) }),
    );
    expect(put['authorization']).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(Object.keys(put).filter((name) => name.startsWith('x-amz-checksum-'))).toEqual([]);
    expect(Object.keys(put)).not.toContain('x-amz-sdk-checksum-algorithm');
    const get = await headersSent(clients, new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
    expect(get['x-amz-checksum-mode']).toBeUndefined();
  });

  it('signs S3 requests without hashing their bodies (unsigned payload on loopback)', async () => {
    clients = emulatorClients();
    const put = await headersSent(
      clients,
      new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x'.repeat(1000) }),
    );
    expect(put['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(put['authorization']).toMatch(/SignedHeaders=[^,]*x-amz-content-sha256/);
    const get = await headersSent(clients, new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
    expect(get['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
  });
});
