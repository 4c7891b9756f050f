import type { ResultLine } from '@thinkbatch/core';
import { createSdkFaultPlan, injectSdkFaults, type SdkFaultRule } from '@thinkbatch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack } from './pipeline-fault-stack';
import { expectCaseInvariants } from './pipeline-invariants';

/** One stack for the cases, in turn: 3 s invocations, so a failed delivery comes back after 4 s. */
let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({
    simulator: { seed: 60, latency: { kind: 'fixed', ms: 50 } },
    runtime: { workerTimeoutMs: 3_000, visibilityTimeoutSeconds: 4 },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const kills = (): number =>
  stack.log.entries.filter((e) => /timed out and was killed/.test(e.message)).length;

/**
 * Run one job of `n` lines while the emulators fail as `rules` say (real SDK clients over real HTTP; the
 * plan only decides which calls fail). The plan is armed before the upload, and its `after` counts put the
 * faults mid-job; it is removed when the job has finished.
 */
async function runThroughEmulatorFaults(seed: number, n: number, rules: readonly SdkFaultRule[]) {
  const plan = createSdkFaultPlan({ seed, rules });
  const { lines, body } = stack.lines(seed, n);
  const killsBefore = kills();
  const remove = injectSdkFaults(stack.runtime.clients, plan);
  try {
    const jobId = await stack.runtime.submit(body, { options: { linesPerChunk: 4 } });
    const job = await stack.finish(jobId, 60_000);
    plan.disarm();
    const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
    return { job, outcome, plan, killed: kills() - killsBefore };
  } finally {
    remove();
  }
}

/** A DynamoDB update that claims lines: it sets leases and removes nothing (a record removes the lease). */
const isLineClaim = (input: Readonly<Record<string, unknown>>): boolean =>
  Object.values((input['ExpressionAttributeNames'] ?? {}) as Record<string, string>).includes('leases') &&
  !String(input['UpdateExpression']).includes('REMOVE');

const unsucceeded = (results: readonly ResultLine[]) =>
  results
    .filter((r) => r.status !== 'succeeded')
    .map((r) => `${r.line}: ${r.error?.code} ${r.error?.message}`);

const counts = (plan: { injected: readonly { service: string; fault: string }[] }) =>
  plan.injected.reduce<Record<string, number>>((acc, f) => {
    const key = `${f.service}:${f.fault}`;
    acc[key] = (acc[key] ?? 0) + 1;
    return acc;
  }, {});

describe('fault: the emulators throttle and fail mid-job', () => {
  it('seed 61: throttled attempts on S3, SQS and DynamoDB (the SDK retries most) end every line once', async () => {
    const { job, outcome, plan } = await runThroughEmulatorFaults(61, 16, [
      // A burst of two on each service at a fixed point of the job, then seeded random throttling.
      { service: 'dynamodb', after: 40, times: 2, fault: { kind: 'throttled' } },
      { service: 's3', after: 12, times: 2, fault: { kind: 'throttled' } },
      { service: 'sqs', after: 6, times: 2, fault: { kind: 'throttled' } },
      { service: 'dynamodb', after: 30, rate: 0.05, fault: { kind: 'throttled' } },
      { service: 's3', after: 10, rate: 0.05, fault: { kind: 'throttled' } },
      { service: 'sqs', after: 5, rate: 0.05, fault: { kind: 'throttled' } },
    ]);
    expect(job.status, JSON.stringify(counts(plan))).toBe('completed');
    expect(unsucceeded(outcome.results)).toEqual([]);
    const injected = counts(plan);
    for (const kind of ['dynamodb:throttled', 's3:throttled', 'sqs:throttled'])
      expect(injected[kind] ?? 0, kind).toBeGreaterThanOrEqual(2);
  });

  it('seed 62: whole calls failing past the SDK retries, mid-job, on every service: the pipeline retries through redelivery', async () => {
    const { job, outcome, plan } = await runThroughEmulatorFaults(62, 16, [
      {
        service: 'dynamodb',
        after: 30,
        rate: 0.05,
        times: 3,
        scope: 'call',
        fault: { kind: 'unavailable' },
      },
      { service: 's3', after: 10, rate: 0.05, times: 2, scope: 'call', fault: { kind: 'unavailable' } },
      { service: 'sqs', after: 5, rate: 0.05, times: 2, scope: 'call', fault: { kind: 'throttled' } },
    ]);
    expect(job.status, JSON.stringify(counts(plan))).toBe('completed');
    expect(unsucceeded(outcome.results)).toEqual([]);
    expect(plan.injected.length).toBeGreaterThanOrEqual(3);
  });

  it('seed 63: DynamoDB writes applied but answered 500 (lost responses): nothing counted twice, no line paid twice', async () => {
    let claimsSeen = 0;
    const { job, outcome, plan, killed } = await runThroughEmulatorFaults(63, 24, [
      // First the answers of a few line claims (the SDK re-applies the claim: its attempt id makes that
      // count nothing), then any write's.
      {
        service: 'dynamodb',
        operations: ['UpdateItem'],
        when: (input) => {
          if (!isLineClaim(input)) return false;
          claimsSeen += 1;
          return true;
        },
        after: 4,
        times: 3,
        fault: { kind: 'lost_response' },
      },
      {
        service: 'dynamodb',
        operations: ['UpdateItem', 'PutItem'],
        after: 20,
        rate: 0.15,
        times: 15,
        fault: { kind: 'lost_response' },
      },
    ]);
    expect(job.status, JSON.stringify(counts(plan))).toBe('completed');
    expect(plan.injected.length).toBeGreaterThan(5);
    expect(claimsSeen, 'claims seen: the claim rule struck 3 times').toBeGreaterThanOrEqual(7);
    expect(unsucceeded(outcome.results)).toEqual([]);
    // An answer is paid twice only when an invocation is killed mid-call (the machine too slow), never
    // because a write's answer was lost; and then each line's `attempts` is exactly the calls the
    // endpoint received for it (a re-applied claim counts nothing).
    if (killed === 0) {
      expect(outcome.discardedAnswers).toBe(0);
      expect(outcome.results.map((r) => r.attempts)).toEqual(outcome.calls);
    }
  });
});
