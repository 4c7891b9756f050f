import { z } from 'zod';
import { DEFAULT_REFUSAL_LIMIT } from '../endpoint-refusal/refusal-tracker';
import { parse } from '../errors/parse';
import { JobOptions } from '../job/job';
import { RetryPolicyOptions } from '../retry/retry-policy';
import { ENDPOINT, FANOUT, SWEEPER, WORKER } from '../settings';
import { PriceList } from '../usage/cost-estimate';

const Count = z.number().int().positive();
const Milliseconds = z.number().int().nonnegative();

/**
 * The tunables of the pipeline steps, and the one home of their defaults: a composition root (Lambda
 * environment, local runtime, CLI) parses what it was given once, with `parsePipelineConfig`, and the
 * steps read the result as it is. Numbers that infra shares come from `settings.ts`. A job's own options
 * (`JobOptions`) override the job-level ones (model, lines per chunk, attempts, attempt timeout).
 */
export const PipelineConfig = z.strictObject({
  /** Model for jobs and lines that name none. @default ENDPOINT.model ('deepseek-ai/deepseek-r1') */
  defaultModel: JobOptions.shape.model.unwrap().default(ENDPOINT.model),
  /** Lines per chunk unless the job says otherwise. @default FANOUT.linesPerChunk */
  linesPerChunk: JobOptions.shape.linesPerChunk.unwrap().default(FANOUT.linesPerChunk),
  /** A chunk closes early when its lines' bytes reach this. @default FANOUT.maxChunkBytes */
  maxChunkBytes: Count.default(FANOUT.maxChunkBytes),
  /** Longest accepted input line; longer ones fail `line_too_large`. @default FANOUT.maxLineBytes */
  maxLineBytes: Count.default(FANOUT.maxLineBytes),
  /** Most chunks of one job; a longer input fails `input_too_large`. @default FANOUT.maxChunksPerJob */
  maxChunksPerJob: Count.default(FANOUT.maxChunksPerJob),
  /** Most bytes a gzip input may decompress to. @default FANOUT.maxDecompressedBytes */
  maxDecompressedBytes: Count.default(FANOUT.maxDecompressedBytes),
  /**
   * Identical refusals in a row (401, 403, 404 of one model), none accepted, after which a job stops
   * with `endpoint_refused` instead of spending every line on them. @default DEFAULT_REFUSAL_LIMIT (5)
   */
  endpointRefusalLimit: Count.default(DEFAULT_REFUSAL_LIMIT),
  /**
   * Most lines in flight at once per invocation (the memory bound; `--concurrency`). Within it, lines in
   * flight follow the endpoint's rate gate: those holding a permit plus `linesAwaitingPermit`.
   * @default WORKER.lineConcurrency
   */
  lineConcurrency: Count.default(WORKER.lineConcurrency),
  /**
   * Lines of one invocation that may wait for an endpoint permit at once (at most `lineConcurrency`):
   * they carry its demand to the rate gate; the rest wait their turn holding nothing.
   * @default WORKER.linesAwaitingPermit
   */
  linesAwaitingPermit: Count.default(WORKER.linesAwaitingPermit),
  /** Stop starting lines / attempts when less than this remains of the invocation. @default WORKER.reserveMs */
  reserveMs: Milliseconds.default(WORKER.reserveMs),
  /** The retry policy, its defaults filled in; a job's `maxAttempts` overrides `maxAttempts`. */
  retry: RetryPolicyOptions.prefault({}),
  /** Per-attempt timeout unless the job says otherwise. @default 600_000 */
  attemptTimeoutMs: JobOptions.shape.attemptTimeoutMs.unwrap().default(600_000),
  /**
   * A retry that must wait longer than this (a 429 storm, a long Retry-After) hands the line back to the
   * queue with a delay instead of keeping the invocation asleep. @default 20_000
   */
  handBackAfterMs: Milliseconds.default(20_000),
  /**
   * A line another live delivery holds is handed back to be looked at again after its lease ends, or
   * after this long if sooner (the holder may finish or fail early). @default 60_000
   */
  heldLineRecheckMs: Milliseconds.default(60_000),
  /**
   * Hand-backs of one work item before the lines it still holds end `handoffs_exhausted` instead of
   * going back to the queue again: the bound of a chain worker → queue → worker. @default WORKER.maxHandoffs
   */
  maxHandoffs: z.number().int().nonnegative().default(WORKER.maxHandoffs),
  /**
   * A job of more chunks than this is finalized in segments of this many chunks: each segment's results
   * are written to their own file, resumably (an invocation running out of time hands the rest to the
   * next), then one pass over the segment files writes the outputs. @default 500
   */
  finalizeSegmentChunks: Count.default(500),
  /**
   * A finalize stops this long before its invocation's deadline, to abort its uploads and hand on (a
   * finalize cut off without that is only taken over after its lease); at most a quarter of the time
   * left. @default 10_000
   */
  finalizeReserveMs: Milliseconds.default(10_000),
  /**
   * How long a finalizer holds a job before another may take over, when its invocation's deadline is
   * unknown (with one, it holds the job until that deadline). @default 600_000
   */
  finalizeLeaseMs: Count.default(600_000),
  /** Prices per model for the cost estimate in summary.json; null → no estimate. @default null */
  prices: PriceList.nullable().default(null),
  /** The sweeper resumes a fan-out whose job has not changed for this long. @default SWEEPER.fanOutStalledAfterSeconds × 1000 */
  fanOutStalledAfterMs: Milliseconds.default(SWEEPER.fanOutStalledAfterSeconds * 1000),
  /** Sweeper resumes of a stalled fan-out before the job fails (`fan_out_stalled`). @default SWEEPER.maxFanOutResumes */
  maxFanOutResumes: z.number().int().nonnegative().default(SWEEPER.maxFanOutResumes),
  /** The sweeper requests finalize again for a job all done but not finalizing after this long. @default SWEEPER.finalizeStalledAfterSeconds × 1000 */
  finalizeStalledAfterMs: Milliseconds.default(SWEEPER.finalizeStalledAfterSeconds * 1000),
});
/** A parsed configuration: every field set and valid. */
export type PipelineConfig = z.output<typeof PipelineConfig>;
/** What a composition root may give: every field optional (the retry policy's too). */
export type PipelineConfigInput = z.input<typeof PipelineConfig>;

/**
 * Validate a pipeline configuration and fill in its defaults, once, at a composition root. Throws
 * `ConfigurationError` naming every bad or unknown field.
 */
export function parsePipelineConfig(input: PipelineConfigInput = {}): PipelineConfig {
  return parse(PipelineConfig, input, 'pipeline config');
}

/** The configuration of a deployment that sets nothing. */
export const defaultPipelineConfig: PipelineConfig = parsePipelineConfig();
