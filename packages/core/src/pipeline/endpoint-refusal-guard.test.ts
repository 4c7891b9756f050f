import { createPipelineHarness, makeNewJob } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { ENDPOINT_REFUSED } from '../endpoint-refusal/refusal-tracker';
import type { JobStore } from '../ports/job-store';
import { createEndpointRefusalGuard, REFUSAL_RECHECK_MS } from './endpoint-refusal-guard';

const JOB = 'job_guard';
const ref = (line: number) => ({ line, customId: `c${line}`, byteStart: 0, byteEnd: 0 });

/** The harness's deps with a job store that counts its job reads. */
async function setUp() {
  const h = createPipelineHarness();
  let reads = 0;
  const jobs: JobStore = {
    ...h.jobs,
    getJob: async (jobId) => {
      reads += 1;
      return h.jobs.getJob(jobId);
    },
  };
  await h.jobs.createJob(makeNewJob(JOB));
  const stopByAnotherDelivery = () =>
    h.jobs.transitionJob(JOB, {
      from: ['validating', 'queued', 'running'],
      to: 'running',
      now: h.clock.now(),
      error: { code: ENDPOINT_REFUSED, message: 'the endpoint refused the API key' },
    });
  return { h, deps: { ...h.deps, jobs }, reads: () => reads, stopByAnotherDelivery };
}

describe('createEndpointRefusalGuard: reading the job for a stop set by another delivery', () => {
  it('starts lines on the job read the delivery began with, reading it again only after REFUSAL_RECHECK_MS', async () => {
    const { h, deps, reads } = await setUp();
    const guard = createEndpointRefusalGuard(deps, JOB, null);
    for (let line = 1; line <= 20; line += 1) expect(await guard.stoppedLine(ref(line), 0)).toBeNull();
    expect(reads()).toBe(0);
    h.clock.advance(REFUSAL_RECHECK_MS + 1);
    await Promise.all([1, 2, 3].map((line) => guard.stoppedLine(ref(line), 0)));
    // Lines that ask together share one read; the next ones start on it.
    expect(reads()).toBe(1);
    expect(await guard.stoppedLine(ref(4), 0)).toBeNull();
    expect(reads()).toBe(1);
  });

  it('ends the lines unanswered once a read shows another delivery stopped the job', async () => {
    const { h, deps, stopByAnotherDelivery } = await setUp();
    const guard = createEndpointRefusalGuard(deps, JOB, null);
    await stopByAnotherDelivery();
    h.clock.advance(REFUSAL_RECHECK_MS + 1);
    const stopped = await guard.stoppedLine(ref(7), 2);
    expect(stopped).toMatchObject({
      line: 7,
      status: 'failed',
      attempts: 2,
      error: { code: 'endpoint_rejected' },
    });
    // Remembered: later lines stop without a read, and the guard's signal tells waiting lines.
    expect(await guard.stoppedLine(ref(8), 0)).toMatchObject({ status: 'failed' });
    expect(guard.signal.aborted).toBe(true);
  });
});
