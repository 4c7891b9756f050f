import { describe, expect, it } from 'vitest';
import { jobIdForUpload } from '../../packages/core/src/job/job-id';
import type { WorkMessage } from '../../packages/core/src/job/work-message';
import { encodeWorkMessageBody } from '../../packages/core/src/job/work-message-body';
import type { PipelineDeps } from '../../packages/core/src/pipeline/pipeline-deps';
import { asyncFailureRecord } from '../../packages/functions/src/async-failure-record';
import { createDeadLetterHandler } from '../../packages/functions/src/dead-letter';
import { createFanOutHandler } from '../../packages/functions/src/fan-out';
import { createFanOutFailureHandler } from '../../packages/functions/src/fan-out-failure';
import { createSweeperHandler } from '../../packages/functions/src/sweeper';
import { createWorkerHandler } from '../../packages/functions/src/worker';
import { createdEventOf } from '../../packages/local/src/s3-event';
import { makeSqsRecord } from '../../packages/testing/src/fixtures/sqs-record';
import { createPipelineHarness, type PipelineHarness } from '../../packages/testing/src/pipeline-harness';
import type { LinkName } from './access';
import {
  DEAD_LETTER_HANDLER,
  FAN_OUT_FAILURE_HANDLER,
  FAN_OUT_HANDLER,
  type HandlerSpec,
  SWEEPER_HANDLER,
  WORKER_HANDLER,
} from './handlers';

/**
 * Each function links only what it uses, and uses only what it links: every handler runs its real code
 * (the factories of `packages/functions`) through the scenarios that reach all its paths, on deps that
 * record which ports it touches; the links those ports need must be exactly the spec's links.
 */

/** The link each port (or port method) needs on AWS (`packages/functions/src/environment.ts`). */
const LINKS_OF: Record<string, readonly LinkName[]> = {
  input: ['InputBucket'],
  output: ['OutputBucket'],
  jobs: ['JobsTable'],
  'jobs.listUnfinishedJobs': ['JobsTable', 'UnfinishedJobs'],
  queue: ['WorkQueue'],
  model: ['NvidiaApiKey'],
  // Rate gates are items of the jobs table, named by a hash of the key.
  rateGates: ['NvidiaApiKey', 'JobsTable'],
  // Job finished events (labelling runs wait on them) go to the labelling events queue.
  events: ['LabellingEvents'],
};
const PORTS = ['input', 'output', 'jobs', 'queue', 'model', 'rateGates', 'events'] as const;

/** `h.deps` recording the ports (and port methods) the code under test calls. */
function tracked(h: PipelineHarness): { deps: PipelineDeps; links: () => LinkName[] } {
  const used = new Set<string>();
  // On AWS every function's deps carry the events sink (environment.ts); the harness has none by default.
  const base: PipelineDeps = { events: { jobFinished: async () => {} }, ...h.deps };
  const deps = { ...base } as Record<string, unknown>;
  for (const port of PORTS) {
    const target = base[port] as object;
    deps[port] = new Proxy(target, {
      get(object, property, receiver) {
        const value: unknown = Reflect.get(object, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          used.add(port);
          used.add(`${port}.${String(property)}`);
          return value.apply(object, args);
        };
      },
    });
  }
  const links = () => [...new Set([...used].flatMap((name) => LINKS_OF[name] ?? []))].sort() as LinkName[];
  return { deps: deps as unknown as PipelineDeps, links };
}

// Lambda's event types, as the handlers take them (no `aws-lambda` types outside the packages).
type S3Event = Parameters<ReturnType<typeof createFanOutHandler>>[0];
type SQSRecord = ReturnType<typeof makeSqsRecord>;

const line = (prompt: string) => JSON.stringify({ prompt });
const context = { getRemainingTimeInMillis: () => 900_000 };

/** The upload notification S3 delivers (the local runtime's own builder). */
/** The created event of an object in the harness's input bucket, with its real etag (as S3 sends it). */
async function s3Event(h: PipelineHarness, key: string, sequencer: string): Promise<S3Event> {
  const event = await createdEventOf(h.input, {
    bucket: 'input-bucket',
    key,
    sequencer,
    region: 'us-east-1',
  });
  if (event === null) throw new Error(`no object ${key}`);
  return event;
}

const record = (id: string, message: WorkMessage): SQSRecord =>
  makeSqsRecord({ messageId: id, body: encodeWorkMessageBody(message) });

/** A job fanned out, its work items taken off the queue (not run). */
async function fannedOut(h: PipelineHarness, name: string) {
  const job = await h.upload(name, [line('a'), line('b'), '{broken', line('d')].join('\n'));
  return { job, items: h.queue.drain().map((sent) => sent.message) };
}

const sorted = (spec: HandlerSpec) => [...spec.links].sort();

describe('each function links exactly what its code uses', () => {
  it('fan-out', async () => {
    const h = createPipelineHarness();
    const { deps, links } = tracked(h);
    await h.input.put('inputs/f.jsonl', [line('a'), '{broken'].join('\n'));
    await createFanOutHandler(async () => deps)(await s3Event(h, 'inputs/f.jsonl', 'S1'));
    // A file with no line fails its job at once: the job finished event goes out.
    await h.input.put('inputs/empty.jsonl', '\n\n');
    await createFanOutHandler(async () => deps)(await s3Event(h, 'inputs/empty.jsonl', 'S3'));
    expect(links()).toEqual(sorted(FAN_OUT_HANDLER));
  });

  it('worker (lines, hand-backs, finalize)', async () => {
    const h = createPipelineHarness();
    const { job, items } = await fannedOut(h, 'w.jsonl');
    const { deps, links } = tracked(h);
    const worker = createWorkerHandler(async () => deps);
    await worker({ Records: items.map((m, i) => record(`m${i}`, m)) }, context);
    const finalize = h.queue.drain().map((sent) => sent.message);
    expect(finalize).toContainEqual({ type: 'finalize_job', jobId: job.jobId });
    await worker({ Records: finalize.map((m, i) => record(`f${i}`, m)) }, context);
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
    expect(links()).toEqual(sorted(WORKER_HANDLER));
  });

  it('dead-letter consumer', async () => {
    const h = createPipelineHarness();
    const { job, items } = await fannedOut(h, 'd.jsonl');
    const { deps, links } = tracked(h);
    await createDeadLetterHandler(async () => deps)({
      Records: items.map((m, i) =>
        makeSqsRecord({ messageId: `d${i}`, body: encodeWorkMessageBody(m), receiveCount: 5 }),
      ),
    });
    expect(h.queue.drain().map((sent) => sent.message)).toContainEqual({
      type: 'finalize_job',
      jobId: job.jobId,
    });
    expect(links()).toEqual(sorted(DEAD_LETTER_HANDLER));
  });

  it('fan-out failure consumer', async () => {
    const h = createPipelineHarness();
    await h.input.put('inputs/x.jsonl', `${line('a')}\n`);
    const { deps, links } = tracked(h);
    const failure = asyncFailureRecord({
      event: await s3Event(h, 'inputs/x.jsonl', 'S2'),
      error: new Error('boom'),
      attempts: 3,
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fan-out',
      requestId: 'r',
      now: new Date(0),
    });
    await createFanOutFailureHandler(async () => deps)({
      Records: [makeSqsRecord({ messageId: 'x', body: JSON.stringify(failure) })],
    });
    const jobId = jobIdForUpload({ bucket: 'input-bucket', key: 'inputs/x.jsonl', identity: 'S2' });
    expect((await h.jobs.getJob(jobId))?.status).toBe('failed');
    expect(links()).toEqual(sorted(FAN_OUT_FAILURE_HANDLER));
  });

  it('sweeper (a stalled fan-out resumed, a lost finalize re-requested)', async () => {
    const h = createPipelineHarness();
    // A job whose fan-out died after creating it, and one whose chunks are all done but never finalized.
    // (Its broken line is recorded failed by the resumed fan-out: a result object in the outputs.)
    await h.input.put('inputs/stalled.jsonl', `${line('a')}\n{broken\n`);
    const info = await h.input.head('inputs/stalled.jsonl');
    const stalled = jobIdForUpload({ bucket: 'input-bucket', key: 'inputs/stalled.jsonl', identity: 's' });
    await h.jobs.createJob({
      jobId: stalled,
      input: {
        bucket: 'input-bucket',
        key: 'inputs/stalled.jsonl',
        etag: info?.etag ?? '',
        size: info?.size ?? 0,
      },
      options: {},
      now: h.clock.now(),
    });
    // A job whose upload is gone: the resumed fan-out fails it (`input_missing`), sending its event.
    const vanished = jobIdForUpload({ bucket: 'input-bucket', key: 'inputs/vanished.jsonl', identity: 'v' });
    await h.jobs.createJob({
      jobId: vanished,
      input: { bucket: 'input-bucket', key: 'inputs/vanished.jsonl', etag: 'gone', size: 10 },
      options: {},
      now: h.clock.now(),
    });
    const { job, items } = await fannedOut(h, 'done.jsonl');
    await h.queue.send(items.filter((m) => m.type === 'run_chunk'));
    await h
      .drain({
        beforeEach: (message) => {
          if (message.type === 'finalize_job') throw new Error('finalize request lost');
        },
      })
      .catch(() => {});
    h.queue.drain();
    h.clock.advance(60 * 60_000);
    const { deps, links } = tracked(h);
    const report = await createSweeperHandler(async () => deps)();
    expect(report.resumed).toEqual(expect.arrayContaining([stalled, vanished]));
    expect((await h.jobs.getJob(vanished))?.status).toBe('failed');
    expect(h.queue.sent.map((s) => s.message)).toContainEqual({ type: 'finalize_job', jobId: job.jobId });
    expect(links()).toEqual(sorted(SWEEPER_HANDLER));
  });
});
