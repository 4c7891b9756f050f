import { createS3ObjectStore } from '@thinkbatch/aws-adapters';
import type { JobEvents, JobFinishedEvent } from '@thinkbatch/core';
import { handleLabellingJobFinished, type LabellingDeps, type LabellingReport } from '@thinkbatch/labelling';
import {
  createLocalUploadNotifier,
  ensureBucket,
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from '@thinkbatch/local';

/** The local labelling bucket: dataset files and labelling's own state. */
export const LOCAL_LABELLING_BUCKET = 'thinkbatch-labelling';

/** Labelling on the embedded runtime: the pipeline's finished events drive the runs. */
export interface LocalLabelling {
  readonly runtime: LocalRuntime;
  readonly deps: LabellingDeps;
  /** Resolves with the run's report once it finished (at once if it already has). */
  waitForRun(runId: string, signal?: AbortSignal): Promise<LabellingReport>;
  stop(): Promise<void>;
}

/**
 * Start the local runtime with labelling wired in: a job's finished event is handled apart from the
 * finalizer that published it, as a queue consumer would on AWS (the event's run is taken further:
 * re-ask, or write its outputs); the labelling bucket is created on the same S3 emulator.
 */
export async function startLocalLabelling(
  options: Omit<LocalRuntimeOptions, 'events'> & { readonly bucket?: string },
): Promise<LocalLabelling> {
  let deps: LabellingDeps | null = null;
  const pending = new Set<Promise<unknown>>();
  const finished = new Map<string, LabellingReport>();
  const waiters = new Map<string, ((report: LabellingReport) => void)[]>();
  const events: JobEvents = {
    jobFinished: async (event: JobFinishedEvent) => {
      if (deps === null) return;
      const work = handleLabellingJobFinished(deps, event).catch((error: unknown) =>
        runtime.deps.log.error('labelling could not handle a finished job', {
          jobId: event.jobId,
          error: String(error),
        }),
      );
      pending.add(work);
      void work.finally(() => pending.delete(work));
    },
  };
  const runtime = await startLocalRuntime({ ...options, events });
  const bucket = options.bucket ?? LOCAL_LABELLING_BUCKET;
  await ensureBucket(runtime.clients.s3, bucket);
  const uploads = createLocalUploadNotifier(runtime);
  deps = {
    store: createS3ObjectStore({ s3: runtime.clients.s3, bucket }),
    jobs: runtime.deps.jobs,
    input: runtime.deps.input,
    output: runtime.deps.output,
    announceUpload: (key) => uploads.uploaded(key),
    clock: runtime.deps.clock,
    log: runtime.deps.log,
    defaultModel: runtime.deps.config.defaultModel,
    prices: runtime.deps.config.prices,
    onRunFinished: (report) => {
      finished.set(report.run_id, report);
      for (const resolve of waiters.get(report.run_id) ?? []) resolve(report);
      waiters.delete(report.run_id);
    },
  };
  const ready = deps;
  return {
    runtime,
    deps: ready,
    waitForRun: (runId, signal) =>
      new Promise<LabellingReport>((resolve, reject) => {
        const done = finished.get(runId);
        if (done !== undefined) {
          resolve(done);
          return;
        }
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        waiters.set(runId, [...(waiters.get(runId) ?? []), resolve]);
      }),
    stop: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
      await uploads.stop();
      await runtime.stop();
    },
  };
}
