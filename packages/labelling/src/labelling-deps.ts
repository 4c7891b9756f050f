import type { Clock, JobStore, Logger, ObjectStore, PriceList } from '@thinkbatch/core';
import type { LabellingReport } from './labelling-run-records';

/** What labelling runs on: the pipeline's ports, and the labelling bucket. No SDK. */
export interface LabellingDeps {
  /** The labelling bucket: dataset files under each task's prefix, and labelling's own state (`thinkbatch/…`). */
  readonly store: ObjectStore;
  /** The pipeline's job store: a run's jobs are ordinary jobs (status, cancel, the API apply). */
  readonly jobs: JobStore;
  /** The pipeline's input bucket: a run's job input is stored here. */
  readonly input: ObjectStore;
  /** The pipeline's output bucket: a finished job's results are read from here. */
  readonly output: ObjectStore;
  /**
   * Tell the pipeline an input was stored. On AWS nothing is to be done (the bucket notification starts
   * the fan-out); locally the runtime invokes the fan-out.
   */
  readonly announceUpload: (key: string) => Promise<void>;
  readonly clock: Clock;
  readonly log: Logger;
  /** The model of a task that names none (the deployment's). */
  readonly defaultModel: string;
  /** Prices per model, for a spending cap in USD and the report's cost. @default none */
  readonly prices?: PriceList | null;
  /** Told when a run finished and its outputs are written (the CLI waits on it). @default none */
  readonly onRunFinished?: (report: LabellingReport) => void | Promise<void>;
}
