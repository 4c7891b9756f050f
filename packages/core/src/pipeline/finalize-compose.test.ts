import { createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { jobKeys } from '../job/job-keys';
import type { WorkMessage } from '../job/work-message';
import { finalizeJob } from './finalize-job';
import { segmentPartsPrefix } from './finalize-segments';
import { createLimiter } from './limiter';
import { processWorkMessage } from './process-work-message';
import { UPLOAD_METADATA } from './start-job';

const LINES = 23; // 8 chunks of 3 lines (the harness's chunk size), every fifth line broken
const input = (): string =>
  `${Array.from({ length: LINES }, (_, i) => (i % 5 === 4 ? '{broken' : JSON.stringify({ prompt: `q${i + 1}` }))).join('\n')}\n`;

/** A job with every chunk done, asking for the OpenAI Batch file, and its finalize not yet run. */
async function jobReadyToFinalize(segmentChunks: number) {
  const h = createPipelineHarness({ config: { finalizeSegmentChunks: segmentChunks } });
  const metadata = { [UPLOAD_METADATA.options]: JSON.stringify({ openaiBatchOutput: true }) };
  const job = await h.upload('mixed.jsonl', input(), { metadata });
  for (let batch = h.queue.drain(); batch.length > 0; batch = h.queue.drain()) {
    for (const { message } of batch as { message: WorkMessage }[]) {
      if (message.type === 'finalize_job') continue;
      await processWorkMessage(h.deps, message, {
        deadline: h.clock.now() + 900_000,
        limiter: createLimiter(8),
      });
    }
  }
  return { h, jobId: job.jobId };
}

const text = async (h: ReturnType<typeof createPipelineHarness>, key: string) =>
  new TextDecoder().decode((await h.output.get(key)) ?? new Uint8Array());

describe('finalize in segments composes the outputs of one pass', () => {
  it('writes the same results, errors, OpenAI Batch file and summary as one pass, and leaves no part behind', async () => {
    const direct = await jobReadyToFinalize(500);
    const segmented = await jobReadyToFinalize(2);
    const a = await finalizeJob(direct.h.deps, direct.jobId, { deadline: direct.h.clock.now() + 900_000 });
    const b = await finalizeJob(segmented.h.deps, segmented.jobId, {
      deadline: segmented.h.clock.now() + 900_000,
    });
    if (a.kind !== 'finalized' || b.kind !== 'finalized') throw new Error('not finalized');
    const strip = (s: string) => s.replaceAll(direct.jobId, 'JOB').replaceAll(segmented.jobId, 'JOB');
    for (const output of [jobKeys.results, jobKeys.errors, jobKeys.openaiBatch]) {
      const one = strip(await text(direct.h, output(direct.jobId)));
      const composed = strip(await text(segmented.h, output(segmented.jobId)));
      expect(composed).toBe(one);
      expect(composed.length).toBeGreaterThan(0);
    }
    expect((await text(segmented.h, jobKeys.errors(segmented.jobId))).trim().split('\n')).toHaveLength(4);
    const { job_id: _a, timings: ta, ...summaryA } = a.summary;
    const { job_id: _b, timings: tb, ...summaryB } = b.summary;
    expect(summaryB).toEqual(summaryA);
    expect(tb.latency_ms).toEqual(ta.latency_ms);
    expect(b.summary.counts).toEqual({ total: LINES, succeeded: 19, failed: 4, cancelled: 0, expired: 0 });
    const leftovers = segmented.h.output
      .keys()
      .filter((k) => k.startsWith(segmentPartsPrefix(segmented.jobId)) || k.includes('/finalize/'));
    expect(leftovers).toEqual([]);
  });
});
