import { z } from 'zod';
import { ChunkCounters, emptyChunkCounters } from './chunk';

/**
 * Job lifecycle. `completed` still reports failed lines loudly (counts and errors.jsonl); `failed` is a
 * job-level failure (unreadable input, nothing could run).
 */
export const JobStatus = z.enum([
  'validating',
  'queued',
  'running',
  'finalizing',
  'completed',
  'failed',
  'cancelled',
  'expired',
]);
export type JobStatus = z.infer<typeof JobStatus>;

/** Statuses of a job that is still going: the sweeper watches these. */
export const UNFINISHED_JOB_STATUSES = [
  'validating',
  'queued',
  'running',
  'finalizing',
] as const satisfies readonly JobStatus[];

/** Statuses after which nothing changes any more. */
export const TERMINAL_JOB_STATUSES = [
  'completed',
  'failed',
  'cancelled',
  'expired',
] as const satisfies readonly JobStatus[];

export function isTerminalJobStatus(status: JobStatus): boolean {
  return (TERMINAL_JOB_STATUSES as readonly JobStatus[]).includes(status);
}

/** Options of a job, given at submission (object metadata, CLI flags or an existing job record). */
export const JobOptions = z.strictObject({
  /** Model for lines that name none. @default the deployment's `PipelineConfig.defaultModel` */
  model: z.string().min(1).max(256).optional(),
  /** Temperature for lines that give none. @default `JobDefaults`' (0.6) */
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  /** max_tokens for lines that give none. */
  max_tokens: z.number().int().positive().optional(),
  /** Fold system messages into the first user turn (R1 wants no system prompt). @default `JobDefaults`' (true) */
  foldSystemPrompt: z.boolean().optional(),
  /** Endpoint calls per line that may fail for reasons other than a 429 (429s are the rate gate's). @default `PipelineConfig.retry.maxAttempts` */
  maxAttempts: z.number().int().min(1).max(20).optional(),
  /** Per-attempt timeout in ms. @default `PipelineConfig.attemptTimeoutMs` */
  attemptTimeoutMs: z.number().int().min(1_000).max(900_000).optional(),
  /** Epoch ms after which no line starts; unfinished lines end as `expired`. */
  deadline: z.number().int().positive().optional(),
  /** Lines per work item. @default `PipelineConfig.linesPerChunk` */
  linesPerChunk: z.number().int().min(1).max(500).optional(),
  /** Also write `openai-batch-output.jsonl` in OpenAI Batch output format. @default false */
  openaiBatchOutput: z.boolean().optional(),
});
export type JobOptions = z.infer<typeof JobOptions>;

/**
 * Where a job's input lives. `etag` pins the object version that fan-out validated; it is
 * `AWAITING_UPLOAD_ETAG` (and `size` 0) while a job created before its file (by the API) waits for the
 * upload, until `JobStore.pinInput` records the uploaded version.
 */
export const JobInput = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  etag: z.string(),
  size: z.number().int().nonnegative(),
});
export type JobInput = z.infer<typeof JobInput>;

/** The etag of an input that has not been uploaded yet (no object has an empty etag). */
export const AWAITING_UPLOAD_ETAG = '';

/** True while the job's input awaits its upload: nothing is pinned, fan-out cannot start. */
export function isAwaitingUpload(input: Pick<JobInput, 'etag'>): boolean {
  return input.etag === AWAITING_UPLOAD_ETAG;
}

/** Most metadata pairs a job carries (as OpenAI's Batch API allows). */
export const JOB_METADATA_MAX_PAIRS = 16;

/**
 * The submitter's labels of a job, returned as given: up to 16 pairs, keys 1–64 characters, values up to
 * 512 (OpenAI Batch's limits).
 */
export const JobMetadata = z
  .record(z.string().min(1).max(64), z.string().max(512))
  .refine((pairs) => Object.keys(pairs).length <= JOB_METADATA_MAX_PAIRS, {
    message: `at most ${JOB_METADATA_MAX_PAIRS} metadata pairs`,
  });
export type JobMetadata = z.infer<typeof JobMetadata>;

/** Keys (in the output bucket) of a finished job's files. */
export const JobOutputs = z.object({
  results: z.string(),
  errors: z.string(),
  summary: z.string(),
  openaiBatch: z.string().nullable(),
});
export type JobOutputs = z.infer<typeof JobOutputs>;

export const JobError = z.object({ code: z.string(), message: z.string() });
export type JobError = z.infer<typeof JobError>;

/** The job record as the job store keeps it. Times are epoch ms. */
export const JobRecord = z.object({
  jobId: z.string(),
  status: JobStatus,
  input: JobInput,
  options: JobOptions,
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  /** Set when fan-out has read the whole input; null before. */
  chunksTotal: z.number().int().nonnegative().nullable(),
  /** Non-blank input lines; null until fan-out finished. */
  linesTotal: z.number().int().nonnegative().nullable(),
  /** Chunks with every line recorded; counted once per chunk. */
  chunksDone: z.number().int().nonnegative(),
  /** Epoch ms until which a finalizer holds the job; a later finalizer may take over after it. */
  finalizeLeaseUntil: z.number().int().nullable(),
  /** Times the sweeper resumed a stalled fan-out (bounded by `maxFanOutResumes`); 0 for older records. */
  fanOutResumes: z.number().int().nonnegative().default(0),
  cancelRequested: z.boolean(),
  error: JobError.nullable(),
  outputs: JobOutputs.nullable(),
  startedAt: z.number().int().nullable(),
  finishedAt: z.number().int().nullable(),
  /**
   * The counters of the job's complete chunks, added by `completeChunk` once per chunk: exact, and one
   * read away however large the job (the live sum over every chunk is `sumJobProgress`). Zero for older
   * records.
   */
  settled: ChunkCounters.default(emptyChunkCounters),
  /** The submitter's labels; empty for jobs started by a plain upload. */
  metadata: JobMetadata.default({}),
  /** The job this one retries (a subset of its lines), or null. */
  parentJobId: z.string().nullable().default(null),
  /**
   * A digest of the request that created the job (the API's create or retry); a later request with the
   * same job id (an `Idempotency-Key` replay) but another digest is a conflict. Null for plain uploads.
   */
  requestFingerprint: z.string().nullable().default(null),
});
export type JobRecord = z.infer<typeof JobRecord>;

/** Live, exact counts of a job: its chunks' counters, summed (see `sumJobProgress`). */
export const JobProgress = ChunkCounters;
export type JobProgress = ChunkCounters;

/** What a new job starts from: its id, input and options, and what its submitter adds. */
export interface JobSubmission {
  readonly jobId: string;
  readonly input: JobInput;
  readonly options: JobOptions;
  readonly now: number;
  /** @default {} */
  readonly metadata?: JobMetadata;
  /** @default null */
  readonly parentJobId?: string | null;
  /** @default null */
  readonly requestFingerprint?: string | null;
}

/** A job as it starts: `validating`, nothing counted, nothing written. */
export function createJobRecord(job: JobSubmission): JobRecord {
  return {
    jobId: job.jobId,
    status: 'validating',
    input: structuredClone(job.input),
    options: structuredClone(job.options),
    createdAt: job.now,
    updatedAt: job.now,
    chunksTotal: null,
    linesTotal: null,
    chunksDone: 0,
    finalizeLeaseUntil: null,
    fanOutResumes: 0,
    cancelRequested: false,
    error: null,
    outputs: null,
    startedAt: null,
    finishedAt: null,
    settled: emptyChunkCounters(),
    metadata: structuredClone(job.metadata ?? {}),
    parentJobId: job.parentJobId ?? null,
    requestFingerprint: job.requestFingerprint ?? null,
  };
}
