import { answerEcho, createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { type JobFinishedEvent, JobFinishedEvent as JobFinishedEventSchema } from '../ports/job-events';
import { failJob } from './fail-job';

function recordingEvents(options: { fail?: boolean } = {}) {
  const events: JobFinishedEvent[] = [];
  return {
    events,
    sink: {
      jobFinished: async (event: JobFinishedEvent) => {
        events.push(JobFinishedEventSchema.parse(event));
        if (options.fail) throw new Error('the queue is down');
      },
    },
  };
}

describe('the job finished event', () => {
  it('is published once a job is finalized, with its status, metadata and outputs', async () => {
    const recorded = recordingEvents();
    const h = createPipelineHarness({ behaviour: answerEcho, events: recorded.sink });
    const job = await h.upload('a.jsonl', '{"prompt":"hi"}\n{"prompt":"there"}\n', {
      metadata: { 'thinkbatch-job-id': 'job-events-1' },
    });
    expect(recorded.events).toEqual([]);
    await h.drain();
    const finished = await h.jobs.getJob(job.jobId);
    expect(recorded.events).toEqual([
      {
        kind: 'job_finished',
        jobId: job.jobId,
        status: 'completed',
        metadata: {},
        outputs: finished?.outputs,
      },
    ]);
  });

  it('is published when a job fails, after its outputs are written', async () => {
    const recorded = recordingEvents();
    const h = createPipelineHarness({ behaviour: answerEcho, events: recorded.sink });
    const job = await h.upload('b.jsonl', '{"prompt":"hi"}\n');
    await failJob(h.deps, job.jobId, { code: 'fan_out_failed', message: 'injected' });
    expect(recorded.events).toHaveLength(1);
    expect(recorded.events[0]).toMatchObject({ jobId: job.jobId, status: 'failed' });
    expect(recorded.events[0]?.outputs).not.toBeNull();
  });

  it('does not undo a finished job when it cannot be published', async () => {
    const recorded = recordingEvents({ fail: true });
    const h = createPipelineHarness({ behaviour: answerEcho, events: recorded.sink });
    const job = await h.upload('c.jsonl', '{"prompt":"hi"}\n');
    await h.drain();
    expect(recorded.events).toHaveLength(1);
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
  });
});
