import { createDynamoJobStore } from '@thinkbatch/aws-adapters';
import { ensureTable } from '@thinkbatch/local';
import { createSdkFaultPlan, injectSdkFaults, makeNewJob, uniqueJobId } from '@thinkbatch/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmulators } from '../fixtures/emulators';

const tableName = 'claim-lost-response';
const local = useEmulators();

beforeAll(async () => {
  await ensureTable(local.clients.dynamodb, tableName);
});

/** An update that claims lines: it sets leases and removes nothing (a record removes the lease). */
const isClaim = (input: Readonly<Record<string, unknown>>): boolean =>
  Object.values((input['ExpressionAttributeNames'] ?? {}) as Record<string, string>).includes('leases') &&
  !String(input['UpdateExpression']).includes('REMOVE');

/**
 * A claim's UpdateItem applied by DynamoDB but answered 500: the SDK sends the same update again. The
 * attempt id in the lease makes the second application a no-op that the adapter reads back as claimed.
 */
describe('a claim whose DynamoDB answer is lost', () => {
  for (const [what, lines] of [
    ['one line', [1]],
    ['a group of lines', [1, 2, 3]],
  ] as const) {
    it(`counts one attempt for ${what} (the SDK's retry re-applies the update)`, async () => {
      const store = createDynamoJobStore({ dynamodb: local.clients.dynamodb, tableName });
      const jobId = uniqueJobId('lost-claim');
      await store.createJob(makeNewJob(jobId));
      await store.putChunk(jobId, 0, [1, 2, 3]);
      const plan = createSdkFaultPlan({
        seed: 1,
        rules: [
          {
            service: 'dynamodb',
            operations: ['UpdateItem'],
            when: isClaim,
            times: 1,
            fault: { kind: 'lost_response' },
          },
        ],
      });
      const remove = injectSdkFaults({ dynamodb: local.clients.dynamodb }, plan);
      try {
        const claim = { holder: 'h', now: 1_000, until: 5_000 };
        const outcomes = await store.claimLineAttempts(jobId, 0, lines, claim);
        expect(plan.injected.map((f) => f.fault)).toEqual(['lost_response']);
        expect(outcomes).toEqual(lines.map(() => ({ kind: 'claimed', attempts: 1 })));
      } finally {
        remove();
      }
      const chunk = await store.getChunk(jobId, 0);
      expect(chunk?.attempts).toEqual(Object.fromEntries(lines.map((line) => [String(line), 1])));
    });
  }
});
