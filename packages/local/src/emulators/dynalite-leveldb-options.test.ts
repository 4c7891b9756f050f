import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createAwsClients } from './aws-clients';
import { startEmulators } from './start-emulators';

/** LevelDB table files of `dir` that this process has mapped (LevelDB reads its tables through `mmap`). */
async function mappedTables(dir: string): Promise<Set<string>> {
  const maps = await readFile('/proc/self/maps', 'utf8');
  return new Set(
    maps
      .split('\n')
      .map((line) => line.slice(line.indexOf('/')))
      .filter((path) => path.startsWith(dir) && path.endsWith('.ldb')),
  );
}

describe('dynalite on disk: LevelDB options', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('maps at most 64 table files into the process however many the table has (maxOpenFiles 74)', {
    timeout: 180_000,
  }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'thinkbatch-leveldb-'));
    dirs.push(dataDir);
    const emulators = await startEmulators({ dataDir });
    const { dynamodb, destroy } = createAwsClients(emulators);
    try {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: 'big',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      // Base64 of random bytes (snappy saves little on it), in ~300 KB items, until the table has more
      // than 64 table files of 1 MiB (maxFileSize): ~260 items. How many depends on compression and on
      // when LevelDB flushes and compacts, so write until the files are there (a bound keeps it finite).
      const tableFiles = async (): Promise<number> =>
        (await readdir(join(dataDir, 'dynamodb'))).filter((name) => name.endsWith('.ldb')).length;
      let items = 0;
      while (items < 800 && (items < 260 || (await tableFiles()) <= 72)) {
        await dynamodb.send(
          new PutItemCommand({
            TableName: 'big',
            Item: { pk: { S: `item-${items}` }, body: { S: randomBytes(225_000).toString('base64') } },
          }),
        );
        items += 1;
      }
      let mostMapped = 0;
      for (let index = 0; index < items; index += 1) {
        const read = await dynamodb.send(
          new GetItemCommand({ TableName: 'big', Key: { pk: { S: `item-${index}` } } }),
        );
        expect(read.Item?.['body']?.S).toHaveLength(300_000);
        if (index % 10 === 0) mostMapped = Math.max(mostMapped, (await mappedTables(dataDir)).size);
      }
      expect(await tableFiles()).toBeGreaterThan(64);
      expect(mostMapped).toBeGreaterThan(0); // the reads went through mapped tables
      expect(mostMapped).toBeLessThanOrEqual(64);
    } finally {
      destroy();
      await emulators.stop();
    }
  });
});
