import {
  fenceDeps,
  InvocationKilledError,
  type SqsEventSource,
  startSqsEventSource,
} from '@thinkbatch/local';
import { createPipelineHarness, createRecordingLogger } from '@thinkbatch/testing';
import type { SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { useEmulators } from '../fixtures/emulators';
import { createTestQueues, messagesIn, sendBodies, waitUntil } from './sqs-test-queues';

const local = useEmulators();
const sources: SqsEventSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
}, 15_000);

describe('the local event source kills an invocation at its timeout, as Lambda does', {
  timeout: 20_000,
}, () => {
  it('aborts it, frees its slot, and lets its batch come back after the visibility timeout whatever it does later', async () => {
    const sqs = local.clients.sqs;
    const queues = await createTestQueues(sqs, 'timeout-1');
    const deliveries: { record: SQSRecord; aborted: boolean }[] = [];
    let lateReturns = 0;
    const log = createRecordingLogger();
    const source = startSqsEventSource({
      sqs,
      queueUrl: queues.queueUrl,
      queueArn: queues.queueArn,
      region: local.emulators.region,
      batchSize: 1,
      maxConcurrency: 1,
      timeoutMs: 300,
      log,
      handler: async (event, invocation) => {
        const [record] = event.Records;
        if (record === undefined) throw new Error('empty batch');
        const delivery = { record, aborted: false };
        deliveries.push(delivery);
        invocation.signal.addEventListener('abort', () => {
          delivery.aborted = true;
        });
        // The first delivery of "slow" outlives its 300 ms timeout, then claims success at 700 ms: too late,
        // though before its message would be visible again (1 s).
        if (record.body === 'slow' && record.attributes.ApproximateReceiveCount === '1') {
          await new Promise((resolve) => setTimeout(resolve, 700));
          lateReturns += 1;
        }
        return { batchItemFailures: [] };
      },
    });
    sources.push(source);
    await sendBodies(sqs, queues.queueUrl, ['slow']);
    await waitUntil('the first delivery', () => deliveries.length === 1);
    await sendBodies(sqs, queues.queueUrl, ['fast']);
    // With one slot, "fast" runs while the killed "slow" is still sleeping: the slot was freed.
    await waitUntil('fast delivered while slow still runs', () =>
      deliveries.some((d) => d.record.body === 'fast'),
    );
    expect(lateReturns).toBe(0);
    expect(deliveries[0]?.aborted).toBe(true);
    expect(source.timedOut).toBe(1);
    // Its late "success" deletes nothing: slow comes back (1 s visibility) and is done the second time.
    await waitUntil(
      'slow redelivered',
      () => deliveries.filter((d) => d.record.body === 'slow').length === 2,
      8_000,
    );
    expect(lateReturns).toBe(1); // the late "success" came first, and deleted nothing
    const again = deliveries.filter((d) => d.record.body === 'slow')[1];
    expect(again?.record.attributes.ApproximateReceiveCount).toBe('2');
    await waitUntil('queue empty', async () => (await messagesIn(sqs, queues.queueUrl)) === 0, 8_000);
    expect(log.entries.some((e) => e.level === 'error' && /timed out/.test(e.message))).toBe(true);
  });
});

describe('fenceDeps: a killed invocation can no longer touch the world', () => {
  it('refuses every port call after the kill, including on objects a port handed out', async () => {
    const h = createPipelineHarness();
    const kill = new AbortController();
    const deps = fenceDeps(h.deps, kill.signal);
    await deps.output.put('before.txt', 'ok');
    const gate = deps.rateGates.forModel('m');
    kill.abort(new Error('timeout'));
    await expect(async () => deps.output.put('after.txt', 'no')).rejects.toThrow(InvocationKilledError);
    await expect(async () => deps.queue.send([{ type: 'finalize_job', jobId: 'job_1' }])).rejects.toThrow(
      InvocationKilledError,
    );
    await expect(async () => deps.jobs.getJob('job_1')).rejects.toThrow(InvocationKilledError);
    await expect(async () => gate.snapshot()).rejects.toThrow(InvocationKilledError);
    expect(() => deps.rateGates.forModel('m')).toThrow(InvocationKilledError);
    expect(await h.output.get('before.txt')).not.toBeNull();
    expect(await h.output.get('after.txt')).toBeNull();
    expect(h.queue.sent).toHaveLength(0);
    // Plain values stay readable (a clock, the config).
    expect(deps.config).toBe(h.deps.config);
  });
});
