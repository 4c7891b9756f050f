import { createdEventOf } from '@thinkbatch/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultStack, startFaultStack } from './pipeline-fault-stack';
import { expectCaseInvariants } from './pipeline-invariants';

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({ simulator: { seed: 11, latency: { kind: 'fixed', ms: 150 } } });
});
afterAll(async () => {
  await stack?.stop();
});

/** S3 delivers object-created events at least once, unordered, sometimes late (see test/local/s3-event-delivery). */
describe('fault: duplicate and out-of-order S3 events', () => {
  it('runs one job, each line once, for an event delivered three times at once, twice more mid-job and once after', async () => {
    const { lines, body } = stack.lines(100, 12);
    const jobId = await stack.runtime.submit(body, { delivery: { copies: 3 } });
    const key = `inputs/${jobId}.jsonl`;
    const midJob = await stack.runtime.redeliverUploadEvent(key, { copies: 2, spacingMs: 100 });
    expect(midJob.map((o) => o.kind)).toEqual(['succeeded', 'succeeded']);
    const finished = await stack.finish(jobId);
    expect(finished.status).toBe('completed');
    await stack.runtime.redeliverUploadEvent(key, { delayMs: 200 });

    const outcome = await expectCaseInvariants(stack, jobId, { lines, body });
    expect(outcome.calls).toEqual(lines.map(() => 1));
    expect(outcome.discardedAnswers).toBe(0);
    // The late copy changed nothing: same job record, no second finalize.
    expect(await stack.runtime.deps.jobs.getJob(jobId)).toMatchObject({ updatedAt: finished.updatedAt });
    const finalizeGrants = stack.log.entries.filter(
      (e) => e.message === 'job finished' && e.fields?.['jobId'] === jobId,
    );
    expect(finalizeGrants).toHaveLength(1);
  });

  it('does not run the newer upload twice when the event of an overwritten upload arrives after it', async () => {
    // An upload without a chosen job id (aws s3 cp): its job is named by its event's sequencer.
    const { deps, resources, endpoints, handlers } = stack.runtime;
    const key = 'inputs/overwritten.jsonl';
    const eventOf = async (sequencer: string) => {
      const event = await createdEventOf(deps.input, {
        bucket: resources.inputBucket,
        key,
        sequencer,
        region: endpoints.region,
      });
      if (event === null) throw new Error('no upload');
      return event;
    };
    const first = stack.lines(200, 3);
    await deps.input.put(key, first.body);
    const olderEvent = await eventOf('0000000000000001');
    const second = stack.lines(300, 4);
    await deps.input.put(key, second.body);
    const newerEvent = await eventOf('0000000000000002');

    // Out of order: the newer upload's event first, the overwritten upload's event after it.
    await handlers.fanOutAsync(newerEvent);
    await handlers.fanOutAsync(olderEvent);
    const jobs = await deps.jobs.listJobs({ inputKey: key, limit: 10 });
    expect(jobs.jobs.map((j) => j.input.etag)).toEqual(
      [newerEvent.Records[0]?.s3.object.eTag].map((e) => `"${e}"`),
    );
    const [job] = jobs.jobs;
    if (job === undefined) throw new Error('no job');
    expect((await stack.finish(job.jobId)).status).toBe('completed');
    const outcome = await expectCaseInvariants(stack, job.jobId, second);
    // The newer upload ran once; nothing ran the overwritten one (its bytes are gone).
    expect(outcome.calls).toEqual(second.lines.map(() => 1));
    for (const line of first.lines) expect(stack.callsFor(line.prompt)).toBe(0);
  });
});
