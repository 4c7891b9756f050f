import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { createAwsClients } from './aws-clients';
import { provisionResources } from './provision';
import { EMULATOR_HOST, type Emulators, startEmulators } from './start-emulators';

/** Resolve 'open' when a TCP connection to host:port succeeds, else the error code. */
function probe(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('startEmulators', () => {
  const running: Emulators[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(running.map((emulators) => emulators.stop()));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('listens on 127.0.0.1 only: reachable there, refused on another loopback address', async () => {
    const emulators = await startEmulators();
    running.push(emulators);
    expect(emulators.listening.fauxqs.host).toBe(EMULATOR_HOST);
    expect(emulators.listening.dynamodb.host).toBe(EMULATOR_HOST);
    for (const endpoint of [emulators.s3Endpoint, emulators.sqsEndpoint, emulators.dynamodbEndpoint]) {
      expect(new URL(endpoint).hostname).toBe(EMULATOR_HOST);
    }
    // Control: 127.0.0.2 is a usable loopback address here, so a refusal below means "not bound there".
    const control = createServer();
    await new Promise<void>((resolve) => control.listen(0, '127.0.0.2', resolve));
    const controlPort = (control.address() as { port: number }).port;
    expect(await probe('127.0.0.2', controlPort)).toBe('open');
    await new Promise((resolve) => control.close(resolve));

    for (const { port } of [emulators.listening.fauxqs, emulators.listening.dynamodb]) {
      expect(await probe(EMULATOR_HOST, port)).toBe('open');
      expect(await probe('127.0.0.2', port)).toBe('ECONNREFUSED');
    }
  });

  it('keeps S3, SQS and DynamoDB state in memory only without a data dir', async () => {
    const first = await startEmulators();
    const clients = createAwsClients(first);
    await provisionResources(clients, { tableName: 'mem-table', queueName: 'mem-q', dlqName: 'mem-dlq' });
    clients.destroy();
    await first.stop();
    const second = await startEmulators();
    running.push(second);
    const again = createAwsClients(second);
    expect((await again.dynamodb.send(new ListTablesCommand({}))).TableNames ?? []).toEqual([]);
    expect((await again.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
    again.destroy();
  });

  it('persists objects, messages and items across a restart with a data dir', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'thinkbatch-emulators-'));
    dirs.push(dataDir);
    const first = await startEmulators({ dataDir });
    const clients = createAwsClients(first);
    const resources = await provisionResources(clients, { visibilityTimeoutSeconds: 5 });
    await clients.s3.send(
      new PutObjectCommand({ Bucket: resources.inputBucket, Key: 'inputs/a.jsonl', Body: 'kept' }),
    );
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: resources.queueUrl, MessageBody: 'still here' }),
    );
    await clients.dynamodb.send(
      new PutItemCommand({
        TableName: resources.tableName,
        Item: { pk: { S: 'p' }, sk: { S: 's' }, n: { N: '42' } },
      }),
    );
    clients.destroy();
    await first.stop();
    expect((await readdir(dataDir)).sort()).toEqual(['dynamodb', 'fauxqs']);

    const second = await startEmulators({ dataDir });
    running.push(second);
    const again = createAwsClients(second);
    const reprovisioned = await provisionResources(again, { visibilityTimeoutSeconds: 5 });
    expect(reprovisioned.queueUrl.endsWith('/thinkbatch-work')).toBe(true);
    const object = await again.s3.send(
      new GetObjectCommand({ Bucket: resources.inputBucket, Key: 'inputs/a.jsonl' }),
    );
    expect(await object.Body?.transformToString()).toBe('kept');
    const received = await again.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: reprovisioned.queueUrl, WaitTimeSeconds: 1 }),
    );
    expect(received.Messages?.map((message) => message.Body)).toEqual(['still here']);
    const item = await again.dynamodb.send(
      new GetItemCommand({
        TableName: resources.tableName,
        Key: { pk: { S: 'p' }, sk: { S: 's' } },
        ConsistentRead: true,
      }),
    );
    expect(item.Item?.['n']).toEqual({ N: '42' });
    again.destroy();
  });

  it('stop() can be called twice', async () => {
    const emulators = await startEmulators();
    await emulators.stop();
    await expect(emulators.stop()).resolves.toBeUndefined();
    expect(await probe(EMULATOR_HOST, emulators.listening.dynamodb.port)).toBe('ECONNREFUSED');
    expect(await probe(EMULATOR_HOST, emulators.listening.fauxqs.port)).toBe('ECONNREFUSED');
  });
});
