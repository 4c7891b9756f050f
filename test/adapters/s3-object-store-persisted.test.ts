import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3ObjectStore } from '@thinkbatch/aws-adapters';
import {
  type AwsClients,
  createAwsClients,
  type Emulators,
  ensureBucket,
  startEmulators,
} from '@thinkbatch/local';
import { describeObjectStoreContract } from '@thinkbatch/testing';
import { afterAll, beforeAll } from 'vitest';

// The object store's contract on fauxqs with a data directory, as `run` and `serve` use it: objects in
// SQLite, bodies over 64 KiB in pieces (patches/fauxqs@2.4.1.patch). s3-object-store.test.ts runs the
// same contract on the in-memory emulator.
let dir: string;
let emulators: Emulators;
let clients: AwsClients;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-persisted-'));
  emulators = await startEmulators({ dataDir: dir });
  clients = createAwsClients(emulators);
});
afterAll(async () => {
  clients.destroy();
  await emulators.stop();
  await rm(dir, { recursive: true, force: true });
});
let buckets = 0;

describeObjectStoreContract('S3 adapter on fauxqs with a data directory', async () => {
  buckets += 1;
  const bucket = `persisted-${buckets}-${Date.now().toString(36)}`;
  await ensureBucket(clients.s3, bucket);
  const store = createS3ObjectStore({ s3: clients.s3, bucket });
  return {
    store,
    cleanup: async () => {
      const keys: string[] = [];
      for await (const key of store.list('')) keys.push(key);
      await store.delete(keys);
    },
  };
});
