import type { Clock, RandomSource } from '../clock';
import type { PriceTable } from '../cost-estimate';
import type { ModelClient } from '../model-client';
import type { JobStore } from '../ports/job-store';
import type { ObjectStore } from '../ports/object-store';
import type { WorkQueue } from '../ports/work-queue';
import type { RateGates } from '../rate-control/rate-gates';
import type { RetryPolicyOptions } from '../retry-policy';
import { ENDPOINT, FANOUT, SWEEPER, WORKER } from '../settings';
import type { Logger } from './logger';

/** Tunables of the pipeline steps. Every field has a default (see `defaultPipelineConfig`). */
export interface PipelineConfig {
  /** Model for lines and jobs that name none. @default ENDPOINT.model */
  readonly defaultModel: string;
  /** Lines per chunk unless the job says otherwise. @default FANOUT.linesPerChunk */
  readonly linesPerChunk: number;
  /** @default FANOUT.maxChunkBytes */
  readonly maxChunkBytes: number;
  /** @default FANOUT.maxLineBytes */
  readonly maxLineBytes: number;
  /**
   * Most lines in flight at once per invocation (the memory bound; `--concurrency`). Within it, lines in
   * flight follow the endpoint's rate gate: those holding a permit plus `WORKER.linesAwaitingPermit`.
   * @default WORKER.lineConcurrency
   */
  readonly lineConcurrency: number;
  /** Stop starting lines / attempts when less than this remains of the invocation. @default WORKER.reserveMs */
  readonly reserveMs: number;
  /** Retry policy defaults; a job's `maxAttempts` overrides `maxAttempts`. */
  readonly retry: Partial<RetryPolicyOptions>;
  /** Per-attempt timeout unless the job says otherwise. @default 600_000 */
  readonly attemptTimeoutMs: number;
  /**
   * A retry that must wait longer than this (a 429 storm, a long Retry-After) hands the line back to the
   * queue with a delay instead of keeping the invocation asleep. @default 20_000
   */
  readonly handBackAfterMs: number;
  /**
   * A line another live delivery holds is handed back to be looked at again after its lease ends, or
   * after this long if sooner (the holder may finish or fail early). @default 60_000
   */
  readonly heldLineRecheckMs: number;
  /** How long a finalizer holds a job before another may take over. @default 600_000 */
  readonly finalizeLeaseMs: number;
  /** Prices for the cost estimate in summary.json; none → no estimate. */
  readonly prices: PriceTable | null;
  /** The sweeper resumes a fan-out whose job has not changed for this long. @default SWEEPER.fanOutStalledAfterSeconds × 1000 */
  readonly fanOutStalledAfterMs: number;
  /** Sweeper resumes of a stalled fan-out before the job fails (`fan_out_stalled`). @default SWEEPER.maxFanOutResumes */
  readonly maxFanOutResumes: number;
  /** The sweeper requests finalize again for a job all done but not finalizing after this long. @default SWEEPER.finalizeStalledAfterSeconds × 1000 */
  readonly finalizeStalledAfterMs: number;
}

export const defaultPipelineConfig: PipelineConfig = {
  defaultModel: ENDPOINT.model,
  linesPerChunk: FANOUT.linesPerChunk,
  maxChunkBytes: FANOUT.maxChunkBytes,
  maxLineBytes: FANOUT.maxLineBytes,
  lineConcurrency: WORKER.lineConcurrency,
  reserveMs: WORKER.reserveMs,
  retry: {},
  attemptTimeoutMs: 600_000,
  handBackAfterMs: 20_000,
  heldLineRecheckMs: 60_000,
  finalizeLeaseMs: 600_000,
  prices: null,
  fanOutStalledAfterMs: SWEEPER.fanOutStalledAfterSeconds * 1000,
  maxFanOutResumes: SWEEPER.maxFanOutResumes,
  finalizeStalledAfterMs: SWEEPER.finalizeStalledAfterSeconds * 1000,
};

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
}
