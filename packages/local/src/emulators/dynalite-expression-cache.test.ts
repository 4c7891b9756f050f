import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_HOST } from './start-emulators';

/** The patch's cache of parsed expressions (`patches/dynalite@4.0.0.patch`, `db/expressionCache.js`). */
interface ExpressionCacheStats {
  capacity: number;
  hits: number;
  misses: number;
  readonly size: number;
  clear(): void;
}
const cache = (
  createRequire(import.meta.url)('dynalite/db/expressionCache.js') as { stats: ExpressionCacheStats }
).stats;

const TABLE = 'cache-test';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

async function startServer(): Promise<{ server: Server; client: DynamoDBClient }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, EMULATOR_HOST, resolve));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials,
    endpoint: `http://${EMULATOR_HOST}:${port}`,
    maxAttempts: 1,
  });
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return { server, client };
}

async function stopServer({ server, client }: { server: Server; client: DynamoDBClient }): Promise<void> {
  client.destroy();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// Expression shapes as our adapters write them: every name and value a placeholder. The same string comes
// with other names and values behind it; some pairs of names collide (overlapping paths), some values have
// the wrong type (type errors), so what the cache must keep apart is exercised, not only the happy path.
const UPDATES = [
  'SET #p.#q = :u',
  'SET #p = :u, #q = :w',
  'ADD #p :u',
  'SET #p = if_not_exists(#q, :u) + :w',
  'REMOVE #p, #q',
  'SET #p = list_append(#q, :u)',
  'DELETE #p :u',
  'SET #p.#q.#r = :u ADD #s :w',
] as const;
const CONDITIONS = [
  'attribute_exists(#c)',
  'NOT contains(#c, :c)',
  'attribute_not_exists(#c.#d) OR #c.#d <= :c',
  '#c = :c AND size(#d) > :e',
  'begins_with(#c, :c)',
  '#c IN (:c, :e)',
  'attribute_not_exists(#c) OR #c < :c',
  'NOT (#c.#d = :c)',
] as const;
const PROJECTIONS = ['#c', '#c, #d', '#c.#d, #e', '#c[0], #d'] as const;
const FILTERS = ['attribute_exists(#c)', '#c > :c', 'contains(#c, :c) OR #d = :e'] as const;

// Mostly names of the item's attributes, now and then its key (an error); mostly numbers, now and then
// other types (type errors in ADD, arithmetic, begins_with, size, list_append).
const name = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b', 'm', 's', 'l', 'x'), weight: 12 },
  { arbitrary: fc.constant('pk'), weight: 1 },
);
const value = fc.oneof(
  { arbitrary: fc.constantFrom<AttributeValue>({ N: '1' }, { N: '2' }, { N: '5' }), weight: 5 },
  {
    arbitrary: fc.constantFrom<AttributeValue>(
      { S: 'x' },
      { S: 'xy' },
      { SS: ['x', 'y'] },
      { NS: ['1', '2'] },
      { L: [{ N: '1' }] },
      { M: { a: { N: '1' } } },
      { BOOL: true },
    ),
    weight: 1,
  },
);
const ONE: AttributeValue = { N: '1' };

/** The placeholders an expression uses, in order of first use. */
function placeholders(expression: string, mark: '#' | ':'): string[] {
  const found = expression.match(mark === '#' ? /#[a-z]+/g : /:[a-z]+/g) ?? [];
  return [...new Set(found)];
}

const operation = fc.oneof(
  fc.record({
    kind: fc.constant('update' as const),
    update: fc.constantFrom(...UPDATES),
    condition: fc.option(fc.constantFrom(...CONDITIONS), { nil: undefined }),
    names: fc.array(name, { minLength: 8, maxLength: 8 }),
    values: fc.array(value, { minLength: 4, maxLength: 4 }),
    unusedName: fc.integer({ min: 0, max: 15 }).map((n) => n === 0),
  }),
  fc.record({
    kind: fc.constant('get' as const),
    projection: fc.constantFrom(...PROJECTIONS),
    names: fc.array(name, { minLength: 3, maxLength: 3 }),
  }),
  fc.record({
    kind: fc.constant('query' as const),
    filter: fc.constantFrom(...FILTERS),
    projection: fc.constantFrom(...PROJECTIONS),
    names: fc.array(name, { minLength: 3, maxLength: 3 }),
    values: fc.array(value, { minLength: 2, maxLength: 2 }),
  }),
);
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

/** The request of an operation, on the item `pk`/`sk`. */
function commandOf(op: Operation, pk: string) {
  const key = { pk: { S: pk }, sk: { N: '1' } };
  if (op.kind === 'update') {
    const expressions = [op.update, op.condition ?? ''].join(' ');
    const names: Record<string, string> = Object.fromEntries(
      placeholders(expressions, '#').map((p, i) => [p, op.names[i] ?? 'a']),
    );
    if (op.unusedName) names['#unused'] = 'zz';
    const values = Object.fromEntries(placeholders(expressions, ':').map((p, i) => [p, op.values[i] ?? ONE]));
    return new UpdateItemCommand({
      TableName: TABLE,
      Key: key,
      UpdateExpression: op.update,
      ...(op.condition === undefined ? {} : { ConditionExpression: op.condition }),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
    });
  }
  if (op.kind === 'get') {
    const names = Object.fromEntries(placeholders(op.projection, '#').map((p, i) => [p, op.names[i] ?? 'a']));
    return new GetItemCommand({
      TableName: TABLE,
      Key: key,
      ProjectionExpression: op.projection,
      ExpressionAttributeNames: names,
    });
  }
  const expressions = `${op.filter} ${op.projection}`;
  const names = Object.fromEntries(placeholders(expressions, '#').map((p, i) => [p, op.names[i] ?? 'a']));
  const values = Object.fromEntries(placeholders(op.filter, ':').map((p, i) => [p, op.values[i] ?? ONE]));
  return new QueryCommand({
    TableName: TABLE,
    KeyConditionExpression: '#key = :key',
    FilterExpression: op.filter,
    ProjectionExpression: op.projection,
    ExpressionAttributeNames: { ...names, '#key': 'pk' },
    ExpressionAttributeValues: { ...values, ':key': { S: pk } },
  });
}

/** What a client sees of a request: the answer's data, or the error's name and message. */
async function outcome(client: DynamoDBClient, command: ReturnType<typeof commandOf>): Promise<unknown> {
  try {
    // biome-ignore lint/suspicious/noExplicitAny: one call site for three command types
    const { $metadata: _, ...answer } = await client.send(command as any);
    return { answer };
  } catch (error) {
    const { name, message } = error as Error;
    return { error: `${name}: ${message}` };
  }
}

describe('dynalite expression parse cache (patch)', () => {
  let fresh: Awaited<ReturnType<typeof startServer>>;
  let cached: Awaited<ReturnType<typeof startServer>>;
  const capacity = cache.capacity;
  beforeAll(async () => {
    fresh = await startServer();
    cached = await startServer();
  });
  afterAll(async () => {
    cache.capacity = capacity;
    await Promise.all([stopServer(fresh), stopServer(cached)]);
  });

  // ~1,400 requests: 7 s on a quiet machine, 20 s at load 12.
  it('answers every request as a fresh parse does: items, errors, ConditionalCheckFailed', {
    timeout: 120_000,
  }, async () => {
    cache.clear();
    let run = 0;
    let conditionalChecksFailed = 0;
    let updated = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 4, maxLength: 12 }), async (operations) => {
        run += 1;
        const pk = `item-${run}`;
        const start = new PutItemCommand({
          TableName: TABLE,
          Item: {
            pk: { S: pk },
            sk: { N: '1' },
            a: { N: '2' },
            b: { S: 'xy' },
            m: { M: { a: { N: '1' }, b: { M: {} } } },
            s: { SS: ['x'] },
            l: { L: [{ N: '1' }] },
          },
        });
        await fresh.client.send(start);
        await cached.client.send(start);
        for (const op of operations) {
          const command = commandOf(op, pk);
          cache.capacity = 0; // this server parses afresh
          const expected = await outcome(fresh.client, command);
          cache.capacity = capacity;
          const actual = await outcome(cached.client, command);
          expect(actual).toEqual(expected);
          const seen = JSON.stringify(expected);
          if (seen.includes('ConditionalCheckFailedException')) conditionalChecksFailed += 1;
          if (seen.startsWith('{"answer":{"Attributes"')) updated += 1;
        }
        const read = new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk }, sk: { N: '1' } } });
        expect(await outcome(cached.client, read)).toEqual(await outcome(fresh.client, read));
      }),
      { numRuns: 100, seed: 1212 },
    );
    // The comparison means something only if the cache answered, items changed and conditions refused.
    expect(cache.hits).toBeGreaterThan(200);
    expect(updated).toBeGreaterThan(20);
    expect(conditionalChecksFailed).toBeGreaterThan(20);
  });

  it('stays bounded, keeps the most recently used expressions and evicts the oldest', {
    timeout: 60_000,
  }, async () => {
    cache.clear();
    const get = (index: number) =>
      cached.client.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: { pk: { S: 'item-1' }, sk: { N: '1' } },
          ProjectionExpression: `#l[${index}]`,
          ExpressionAttributeNames: { '#l': 'l' },
        }),
      );
    for (let index = 0; index < capacity + 100; index += 1) await get(index);
    expect(cache.size).toBe(capacity);
    expect(cache.misses).toBe(capacity + 100);

    await get(capacity + 99); // the newest: still there
    expect(cache.hits).toBe(1);
    await get(0); // the oldest: evicted, parsed again
    expect(cache.hits).toBe(1);
    expect(cache.misses).toBe(capacity + 101);
    expect(cache.size).toBe(capacity);
  });
});
