import { answerEcho, createPipelineHarness } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { RunChunkMessage, WorkMessage } from '../job/work-message';
import type { ObjectStore } from '../ports/object-store';
import { handleDeadLetter } from './dead-letter';
import { createLimiter } from './limiter';
import { processWorkMessage } from './process-work-message';
import { runChunk } from './run-chunk';
import { startJob } from './start-job';

const simple = (prompt: string): string => JSON.stringify({ prompt });
const invocation = (h: ReturnType<typeof createPipelineHarness>) => ({
  deadline: h.clock.now() + 900_000,
  limiter: createLimiter(8),
});

function firstWorkItem(h: ReturnType<typeof createPipelineHarness>): RunChunkMessage {
  const [item] = h.queue.drain();
  if (item === undefined || item.message.type !== 'run_chunk') throw new Error('no work item');
  return item.message;
}

/** Races between deliveries, crashes and cancels that must still end with one result per line. */
describe('pipeline races', () => {
  it('keeps the recorded result when a concurrent delivery adopted the object its writer is about to drop', async () => {
    // The first delivery's call for p2 answers only after the second delivery has run.
    let secondDeliveryDone = (): void => {};
    const afterSecondDelivery = new Promise<void>((resolve) => {
      secondDeliveryDone = resolve;
    });
    const h = createPipelineHarness({
      behaviour: (args) =>
        args.prompt === 'p2' && args.callsForPrompt === 0
          ? afterSecondDelivery.then(() => answerEcho(args))
          : answerEcho(args),
    });
    const job = await h.upload('adopt-race.jsonl', [simple('p1'), simple('p2')].join('\n'));
    const message = firstWorkItem(h);
    let raced = false;
    // A second delivery runs right after the first stores a result and before it records it.
    const output: ObjectStore = {
      ...h.output,
      put: async (key, body, options) => {
        await h.output.put(key, body, options);
        if (!raced && key.includes('/lines/')) {
          raced = true;
          h.clock.advance(1_000_000); // the first delivery's lease looks stale to the second
          await runChunk(h.deps, message, invocation(h));
          secondDeliveryDone();
        }
      },
    };
    await runChunk({ ...h.deps, output }, message, invocation(h));
    await h.drain();
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
    expect((await h.results(job.jobId)).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('asks for finalization again when fan-out died after its last write and S3 retries the event', async () => {
    const h = createPipelineHarness();
    let failFinalizeOnce = true;
    const flaky = {
      ...h.deps,
      queue: {
        send: async (messages: readonly WorkMessage[]) => {
          if (failFinalizeOnce && messages.some((m) => m.type === 'finalize_job')) {
            failFinalizeOnce = false;
            throw new Error('SQS throttled');
          }
          await h.queue.send(messages);
        },
      },
    };
    await h.input.put('inputs/all-invalid.jsonl', '{not json\n');
    const event = { bucket: 'input-bucket', key: 'inputs/all-invalid.jsonl', sequencer: 's1' };
    await expect(startJob(flaky, event)).rejects.toThrow('SQS throttled');
    const retry = await startJob(flaky, event);
    expect(retry.kind).toBe('ignored');
    await h.drain();
    const [finalize] = h.queue.sent;
    expect(finalize?.message.type).toBe('finalize_job');
    expect((await h.jobs.getJob(finalize?.message.jobId ?? ''))?.status).toBe('completed');
  });

  it('hands a line held by another live delivery back, so it survives that delivery dying', async () => {
    let dieOnce = true;
    const h = createPipelineHarness({
      behaviour: async (args) => {
        if (dieOnce) {
          dieOnce = false;
          // While this delivery is mid-call, a duplicate delivery of the same item arrives and is acked.
          await runChunk(h.deps, message, invocation(h));
          throw new Error('worker killed'); // then this one dies without recording
        }
        return answerEcho(args);
      },
    });
    const job = await h.upload('held.jsonl', simple('only'));
    const message = firstWorkItem(h);
    await expect(runChunk(h.deps, message, invocation(h))).rejects.toThrow('worker killed');
    // The duplicate left a delayed hand-back: the line is not lost although the original message died.
    const handBack = h.queue.sent.find((s) => s.message.type === 'run_chunk' && s.message.handoffs === 1);
    expect(handBack?.delaySeconds).toBeGreaterThan(0);
    await h.drain();
    expect((await h.results(job.jobId)).map((r) => r.status)).toEqual(['succeeded']);
    expect(h.model.callsFor('only')).toBe(2);
  });

  it('hands a line back for a re-check when its claim finds another holder at the last moment', async () => {
    const h = createPipelineHarness({ config: { heldLineRecheckMs: 30_000 } });
    const job = await h.upload('claim-race.jsonl', simple('p1'));
    const message = firstWorkItem(h);
    let refusedOnce = false;
    const jobs = {
      ...h.jobs,
      claimLineAttempt: async (...args: Parameters<typeof h.jobs.claimLineAttempt>) => {
        if (refusedOnce) return h.jobs.claimLineAttempt(...args);
        refusedOnce = true; // another delivery claimed it between our lease check and our claim
        return { kind: 'held' as const, holder: 'other', until: h.clock.now() + 800_000 };
      },
    };
    await runChunk({ ...h.deps, jobs }, message, invocation(h));
    const handBack = h.queue.sent.find((s) => s.message.type === 'run_chunk' && s.message.handoffs === 1);
    expect(handBack?.delaySeconds).toBe(30);
    expect(h.model.calls).toHaveLength(0);
    await h.drain();
    expect((await h.results(job.jobId)).map((r) => r.status)).toEqual(['succeeded']);
  });

  it('does not expire a line another delivery is answering right now', async () => {
    let duplicate: () => Promise<void> = async () => {};
    const h = createPipelineHarness({
      behaviour: async (args) => {
        await duplicate();
        return answerEcho(args);
      },
    });
    const deadline = h.clock.now() + 60_000;
    const job = await h.upload('deadline-race.jsonl', simple('p1'), {
      metadata: { 'thinkbatch-options': JSON.stringify({ deadline }) },
    });
    const message = firstWorkItem(h);
    let once = true;
    duplicate = async () => {
      if (!once) return;
      once = false;
      h.clock.advance(120_000); // past the deadline, but within the first delivery's lease
      await runChunk(h.deps, message, invocation(h));
    };
    await runChunk(h.deps, message, invocation(h));
    await h.drain();
    const [result] = await h.results(job.jobId);
    expect(result).toMatchObject({ status: 'succeeded', answer: 'answer:p1' });
    expect(h.model.calls).toHaveLength(1);
  });

  it('leaves a line another delivery is answering to that delivery when a copy of its item is dead-lettered', async () => {
    let deadLetterDuringCall: () => Promise<void> = async () => {};
    const h = createPipelineHarness({
      behaviour: async (args) => {
        await deadLetterDuringCall();
        return answerEcho(args);
      },
    });
    const job = await h.upload('dead-letter-race.jsonl', [simple('p1'), simple('p2')].join('\n'));
    const message = firstWorkItem(h);
    let once = true;
    deadLetterDuringCall = async () => {
      if (!once) return;
      once = false;
      // A stale copy of the item reaches the DLQ consumer while this delivery is answering p1.
      await handleDeadLetter(h.deps, message, 5);
    };
    await runChunk(h.deps, message, invocation(h));
    await h.drain();
    // p1, held by the live delivery, keeps its answer; p2, not claimed yet, is dead-lettered unpaid.
    const results = await h.results(job.jobId);
    expect(results.map((r) => [r.status, r.answer, r.error?.code ?? null])).toEqual([
      ['succeeded', 'answer:p1', null],
      ['failed', null, 'dead_lettered'],
    ]);
    expect(h.model.calls).toHaveLength(1);
  });

  it('stops starting lines as soon as a cancel lands, mid-delivery', async () => {
    let jobId = '';
    const h = createPipelineHarness({ config: { lineConcurrency: 1 } });
    const complete = h.deps.model.complete;
    const deps = {
      ...h.deps,
      model: {
        complete: async (...args: Parameters<typeof complete>) => {
          const result = await complete(...args);
          await h.jobs.requestCancel(jobId, h.clock.now()); // cancelled right after the first call
          return result;
        },
      },
    };
    const job = await h.upload('cancel-mid.jsonl', [simple('p1'), simple('p2'), simple('p3')].join('\n'));
    jobId = job.jobId;
    const message = firstWorkItem(h);
    await processWorkMessage(deps, message, { deadline: h.clock.now() + 900_000, limiter: createLimiter(1) });
    await h.drain();
    expect(h.model.calls).toHaveLength(1);
    expect((await h.results(jobId)).map((r) => r.status)).toEqual(['succeeded', 'cancelled', 'cancelled']);
    expect((await h.jobs.getJob(jobId))?.status).toBe('cancelled');
    // The same work item dead-lettered late, after the job finished: nothing to do, and no error.
    await expect(handleDeadLetter(h.deps, message, 5)).resolves.toBeUndefined();
  });
});
