import {
  type AttributeValue,
  GetItemCommand,
  type GetItemCommandOutput,
  PutItemCommand,
  type PutItemCommandOutput,
  type UpdateItemCommand,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { type AcquireRequest, RateGateError, rateGateKey } from '@thinkbatch/core';
import { createFakeClock, type FakeClock, makeAcquireRequest } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { createDynamoRateGate, type DynamoRateGateClient } from './dynamo-rate-gate';

type Item = Record<string, AttributeValue>;

class ConditionalCheckFailedException extends Error {
  override name = 'ConditionalCheckFailedException';
}

/**
 * A hand-written DynamoDB fake for the gate's three calls: one table in a map, the version condition
 * evaluated as DynamoDB would, and a hook that runs before each write (to make another writer win a race).
 */
function fakeTable(options: { beforeWrite?: (items: Map<string, Item>) => void; fail?: Error } = {}) {
  const items = new Map<string, Item>();
  const calls: string[] = [];
  const id = (key: Item | undefined) => `${key?.['pk']?.S}|${key?.['sk']?.S}`;
  function send(command: GetItemCommand): Promise<GetItemCommandOutput>;
  function send(command: PutItemCommand): Promise<PutItemCommandOutput>;
  function send(command: UpdateItemCommand): Promise<UpdateItemCommandOutput>;
  async function send(
    command: GetItemCommand | PutItemCommand | UpdateItemCommand,
  ): Promise<GetItemCommandOutput | PutItemCommandOutput | UpdateItemCommandOutput> {
    if (options.fail !== undefined) throw options.fail;
    const $metadata = {};
    if (command instanceof GetItemCommand) {
      calls.push('get');
      expect(command.input.ConsistentRead).toBe(true);
      const item = items.get(id(command.input.Key));
      return item === undefined ? { $metadata } : { Item: item, $metadata };
    }
    options.beforeWrite?.(items);
    if (command instanceof PutItemCommand) {
      calls.push('put');
      const item = command.input.Item ?? {};
      if (items.has(id(item))) throw new ConditionalCheckFailedException('exists');
      items.set(id(item), item);
      return { $metadata };
    }
    calls.push('update');
    const key = id(command.input.Key);
    const current = items.get(key);
    const values = command.input.ExpressionAttributeValues ?? {};
    if (current?.['version']?.N !== values[':version']?.N)
      throw new ConditionalCheckFailedException('version');
    items.set(key, {
      ...current,
      state: values[':state'] ?? { S: '' },
      version: values[':next'] ?? { N: '0' },
      updatedAt: values[':at'] ?? { N: '0' },
    });
    return { $metadata };
  }
  const client: DynamoRateGateClient = { send };
  return { client, items, calls };
}

const request = (holder: string): AcquireRequest =>
  makeAcquireRequest(holder, { want: { requests: 2, slots: 2 } });

const key = rateGateKey({
  baseURL: 'https://integrate.api.nvidia.com/v1',
  model: 'm',
  apiKey: 'nvapi-secret',
});
const gateOn = (client: DynamoRateGateClient, clock: FakeClock = createFakeClock(), maxAttempts?: number) =>
  createDynamoRateGate({
    dynamodb: client,
    tableName: 'jobs',
    key,
    clock,
    settings: { requestsPerMinute: 600, maxInFlight: 4 },
    contentionPause: async () => {},
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });

describe('DynamoDB rate gate', () => {
  it('keeps one item per endpoint in the jobs table, keyed GATE#<key>, without the API key', async () => {
    const { client, items, calls } = fakeTable();
    const gate = gateOn(client);
    await gate.acquire(request('a'));
    await gate.acquire(request('b'));
    expect([...items.keys()]).toEqual([`GATE#${key}|GATE`]);
    const item = items.get(`GATE#${key}|GATE`);
    expect(item?.['version']?.N).toBe('2');
    expect(JSON.stringify(item)).not.toContain('nvapi-secret');
    // The first write creates the item; the second reuses the state its own write left: no read.
    expect(calls).toEqual(['get', 'put', 'update']);
  });

  it('re-reads and retries when another worker wrote first, and applies on the fresh state', async () => {
    const clock = createFakeClock();
    const { client, calls } = fakeTable();
    const mine = gateOn(client, clock);
    const theirs = gateOn(client, clock);
    await mine.acquire(request('a'));
    await theirs.acquire(request('b'));
    const result = await mine.acquire({ ...request('c'), want: { requests: 0, slots: 4 } });
    // Two slots went to a, two to b: c, applied on the state b wrote, gets none.
    expect(result.lease.slots).toBe(0);
    expect(calls.slice(-3)).toEqual(['update', 'get', 'update']);
    expect((await theirs.snapshot()).leases).toBe(3);
  });

  it('gives up with a RateGateError when every attempt loses the race', async () => {
    let bump = 0;
    const { client } = fakeTable({
      beforeWrite: (items) => {
        bump += 1;
        for (const item of items.values()) item['version'] = { N: String(1_000 + bump) };
      },
    });
    const gate = gateOn(client, createFakeClock(), 3);
    await gate.acquire(request('a'));
    await expect(gate.acquire(request('b'))).rejects.toThrow(/still contended after 3 attempts/);
    // Busy, not broken: the permits ask again later instead of failing a line.
    await expect(gate.acquire(request('b'))).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('wraps SDK failures and refuses an item that is not a gate state', async () => {
    const broken = fakeTable({
      fail: Object.assign(new Error('no table'), { name: 'ResourceNotFoundException' }),
    });
    const error = await gateOn(broken.client)
      .snapshot()
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(RateGateError);
    expect(String(error)).toMatch(/ResourceNotFoundException/);
    expect((error as RateGateError).cause).toBeInstanceOf(Error);

    const { client, items } = fakeTable();
    for (const state of ['{"format":2}', 'not json']) {
      items.set(`GATE#${key}|GATE`, { version: { N: '1' }, state: { S: state } });
      await expect(gateOn(client).acquire(request('a'))).rejects.toThrow(/not a gate state/);
    }
  });
});
