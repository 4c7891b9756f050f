import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_HOST } from './start-emulators';

/** The error name of a request, or 'ok'. */
async function outcomeOf(send: () => Promise<unknown>): Promise<string> {
  try {
    await send();
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  }
}

// The patch keeps table descriptions in memory between writes (dynalite reads its table's description on
// every request): every change of a table must show at once in the requests that follow.
describe('dynalite table descriptions kept in memory (patch)', () => {
  let server: Server;
  let client: DynamoDBClient;
  beforeAll(async () => {
    server = dynalite({ createTableMs: 150, deleteTableMs: 150, updateTableMs: 150 });
    await new Promise<void>((resolve) => server.listen(0, EMULATOR_HOST, resolve));
    const { port } = server.address() as AddressInfo;
    client = new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      endpoint: `http://${EMULATOR_HOST}:${port}`,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  const status = async (): Promise<string> =>
    (await client.send(new DescribeTableCommand({ TableName: 'tbl' }))).Table?.TableStatus ?? 'none';
  const untilActive = async (): Promise<void> => {
    for (let polls = 0; (await status()) !== 'ACTIVE'; polls += 1) {
      if (polls > 100) throw new Error('table never became ACTIVE');
      await sleep(20);
    }
  };
  const putPk = () =>
    outcomeOf(() => client.send(new PutItemCommand({ TableName: 'tbl', Item: { pk: { S: 'a' } } })));
  const putId = () =>
    outcomeOf(() => client.send(new PutItemCommand({ TableName: 'tbl', Item: { id: { N: '1' } } })));

  it('shows creation, updates, deletion and a new key schema in the very next request', async () => {
    await client.send(
      new CreateTableCommand({
        TableName: 'tbl',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
      }),
    );
    expect(await status()).toBe('CREATING');
    expect(await putPk()).toBe('ResourceNotFoundException'); // a table being created takes no items
    await untilActive();
    expect(await putPk()).toBe('ok');
    expect(await putPk()).toBe('ok');

    await client.send(
      new UpdateTableCommand({
        TableName: 'tbl',
        ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 7 },
      }),
    );
    expect(await status()).toBe('UPDATING');
    await untilActive();
    const described = await client.send(new DescribeTableCommand({ TableName: 'tbl' }));
    expect(described.Table?.ProvisionedThroughput?.ReadCapacityUnits).toBe(7);

    await client.send(new DeleteTableCommand({ TableName: 'tbl' }));
    expect(await status()).toBe('DELETING');
    expect(await putPk()).toBe('ResourceNotFoundException');
    for (
      let polls = 0;
      (await putPk()) !== 'ResourceNotFoundException' || (await outcomeOf(status)) === 'ok';
      polls += 1
    ) {
      if (polls > 100) throw new Error('table never went away');
      await sleep(20);
    }

    // The same name, another key: requests must see the new description, not the one read before.
    await client.send(
      new CreateTableCommand({
        TableName: 'tbl',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await untilActive();
    expect(await putId()).toBe('ok');
    expect(await putPk()).toBe('ValidationException');
    const item = await client.send(new GetItemCommand({ TableName: 'tbl', Key: { id: { N: '1' } } }));
    expect(item.Item).toEqual({ id: { N: '1' } });
  });
});
