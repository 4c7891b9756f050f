import type { Clock, RandomSource } from '../ports/clock';
import type { JobEvents } from '../ports/job-events';
import type { JobStore } from '../ports/job-store';
import type { Logger } from '../ports/logger';
import type { ModelClient } from '../ports/model-client';
import type { ObjectStore } from '../ports/object-store';
import type { WorkQueue } from '../ports/work-queue';
import type { RateGates } from '../rate-control/rate-gates';
import type { PipelineConfig } from './pipeline-config';

/** Everything the pipeline steps need, injected by the composition root (Lambda handler or local runtime). */
export interface PipelineDeps {
  /** The bucket uploads land in. */
  readonly input: ObjectStore;
  /** The bucket results are written to. */
  readonly output: ObjectStore;
  readonly jobs: JobStore;
  readonly queue: WorkQueue;
  readonly model: ModelClient;
  /**
   * The endpoint's rate gates (one per model), shared by every invocation and job: DynamoDB items in the
   * jobs table on AWS and in the local runtime, in memory in unit tests.
   */
  readonly rateGates: RateGates;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Unique tokens for result object keys. */
  readonly newToken: () => string;
  readonly log: Logger;
  readonly config: PipelineConfig;
  /** Told when a job ends (finalized or failed), e.g. to collect a labelling run. @default none */
  readonly events?: JobEvents;
}
