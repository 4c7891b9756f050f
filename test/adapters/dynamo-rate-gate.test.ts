import { createDynamoRateGate } from '@thinkbatch/aws-adapters';
import {
  type AwsClients,
  createAwsClients,
  type Emulators,
  ensureTable,
  startEmulators,
} from '@thinkbatch/local';
import { describeRateGateContract } from '@thinkbatch/testing';
import { afterAll, beforeAll } from 'vitest';

const tableName = 'contract-rate-gates';
let emulators: Emulators;
let clients: AwsClients;

beforeAll(async () => {
  emulators = await startEmulators();
  clients = createAwsClients(emulators);
  await ensureTable(clients.dynamodb, tableName);
});
afterAll(async () => {
  clients.destroy();
  await emulators.stop();
});

// A new adapter object per holder, as separate worker invocations would have: they share the gate
// only through its item, and race on it for real over HTTP (the simulations start holders together).
describeRateGateContract(
  'DynamoDB adapter on dynalite',
  async () => (options) => createDynamoRateGate({ dynamodb: clients.dynamodb, tableName, ...options }),
);
