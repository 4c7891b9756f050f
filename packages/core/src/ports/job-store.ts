import { ErrorCode } from '../errors/error-code';
import { ThinkbatchError, type ThinkbatchErrorOptions } from '../errors/thinkbatch-error';
import type { ChunkRecord, LineRecord } from '../job/chunk';
import type { JobError, JobOutputs, JobRecord, JobStatus, JobSubmission } from '../job/job';
import type { JobListPage, JobListQuery } from '../job/job-list';
import type { FanOutCheckpointStore } from './fan-out-checkpoint-store';
import type { JobProgressStore } from './job-progress-store';

/** A job to create: see `JobSubmission` (the extras default to none). */
export type NewJob = JobSubmission;

/** Who wants to run a line, and for how long no one else may. */
export interface LineClaim {
  /** Unique per delivery of a work item. */
  readonly holder: string;
  /** Epoch ms; the end of the holder's invocation. */
  readonly until: number;
  readonly now: number;
  /**
   * Names this claim: a claim re-applied with the id of the line's last counted claim by the same holder
   * (an SDK retry of an update whose answer was lost, or the caller repeating it) counts nothing more and
   * answers `claimed` with the count that claim set. A store makes one per call when none is given, which
   * covers its own retries. @default a new id per call
   */
  readonly attemptId?: string;
}

/**
 * What a claim came to. `cancelled`: the job's cancel was requested, so no attempt was started (`attempts`:
 * the calls made for the line so far); a recorded line says `recorded` first, and a cancelled job's line
 * is `cancelled` even while another holder leases it.
 */
export type LineAttemptClaim =
  | { readonly kind: 'claimed'; readonly attempts: number }
  | { readonly kind: 'recorded' }
  | { readonly kind: 'cancelled'; readonly attempts: number }
  | { readonly kind: 'held'; readonly holder: string; readonly until: number };

export interface JobTransition {
  /** The change applies only when the job's status is one of these. */
  readonly from: readonly JobStatus[];
  readonly to: JobStatus;
  readonly now: number;
  readonly error?: JobError;
  readonly outputs?: JobOutputs;
}

/**
 * Port: job state (DynamoDB in production, dynalite locally, a map in unit tests). Every mutation is a
 * single-record conditional update, so it is exact under at-least-once delivery without transactions
 * (the local emulator has none). Missing jobs/chunks on mutation throw a `JobStoreError`.
 */
export interface JobStore extends FanOutCheckpointStore, JobProgressStore {
  /** Create the job in `validating` unless it exists (a duplicate S3 event finds it and stops). */
  createJob(job: NewJob): Promise<{ readonly created: boolean; readonly job: JobRecord }>;
  getJob(jobId: string): Promise<JobRecord | null>;
  /**
   * Record the uploaded version of the input of a job that awaits its upload (`isAwaitingUpload`): sets
   * `input.etag`, `input.size` and `updatedAt` in one conditional update. Null when the input was pinned
   * already (the first upload to arrive wins; fan-out then reads that version only).
   */
  pinInput(
    jobId: string,
    upload: { readonly etag: string; readonly size: number; readonly now: number },
  ): Promise<JobRecord | null>;
  /**
   * A page of jobs, newest first (`jobListPosition` descending), of one status and/or one input key when
   * asked. Reads only an index of jobs and the listed jobs' own records, never chunks, so a page costs
   * the same however large the jobs are. The indexes are eventually consistent: a job created or
   * changed a moment ago may be missing, and a listed job that no longer matches is left out.
   */
  listJobs(query: JobListQuery): Promise<JobListPage>;
  /** Conditional status change; null when the job's status was not in `from`. Sets startedAt on `running`, finishedAt on a terminal status. */
  transitionJob(jobId: string, change: JobTransition): Promise<JobRecord | null>;
  /**
   * Ask running workers to stop starting lines; they record the rest as `cancelled`. From then on every
   * claim of the job's lines is refused as `cancelled` (`claimLineAttempt`), so a worker learns of the
   * cancel from the claim it makes anyway, with no read of the job per line. A store that keeps the flag
   * per chunk (DynamoDB) also sets it on every chunk that exists; a chunk created later belongs to work a
   * worker starts by reading the job, which has the flag. A failure part way leaves some chunks unflagged
   * (their lines still run, until a delivery reads the job): call again.
   */
  requestCancel(jobId: string, now: number): Promise<JobRecord | null>;
  /** Create a chunk unless it exists (a re-run of fan-out gets the existing one back). */
  putChunk(
    jobId: string,
    index: number,
    lines: readonly number[],
  ): Promise<{ readonly created: boolean; readonly chunk: ChunkRecord }>;
  /**
   * Create chunks that exist nowhere yet, in as few requests as the store can make (DynamoDB's
   * BatchWriteItem, 25 items a request), with no condition per chunk: only for chunks the caller's fan-out
   * lease reserved (`reserveFanOutChunks`), which no other run writes. A chunk that does exist is
   * overwritten (DynamoDB) or refused with `conflict` (the in-memory store). Returns the new records, in
   * the order given. Throws `not_found` when the job does not exist.
   */
  putNewChunks(
    jobId: string,
    chunks: readonly { readonly index: number; readonly lines: readonly number[] }[],
  ): Promise<readonly ChunkRecord[]>;
  getChunk(jobId: string, index: number): Promise<ChunkRecord | null>;
  markChunkEnqueued(jobId: string, index: number): Promise<void>;
  /**
   * Start an endpoint attempt for a line: add one to its attempt count (kept across deliveries) and take
   * or renew its lease, in one conditional update. Refused when the line is already recorded, or leased
   * by another holder whose lease has not expired — so two deliveries of the same work (SQS duplicates,
   * a duplicated fan-out) never pay for the same line at once. Refused as `cancelled` (nothing counted)
   * once the job's cancel was requested.
   */
  claimLineAttempt(jobId: string, index: number, line: number, claim: LineClaim): Promise<LineAttemptClaim>;
  /**
   * Claim several distinct lines of one chunk for the same holder at once: the same as `claimLineAttempt`
   * for each (`result[i]` for `lines[i]`), in as few conditional updates as the store can make (one per
   * group of lines all claimable; a group refused because one line is recorded, held or cancelled falls
   * back to one claim per line). Repeated lines are refused: the caller groups distinct lines.
   */
  claimLineAttempts(
    jobId: string,
    index: number,
    lines: readonly number[],
    claim: LineClaim,
  ): Promise<readonly LineAttemptClaim[]>;
  /** Give a line's lease back (its work was handed back or failed); a no-op when another holder has it. */
  releaseLine(jobId: string, index: number, line: number, holder: string): Promise<void>;
  /**
   * Record a finished line once: stores where its result is, adds its status, attempts and usage to the
   * chunk's counters and drops its lease, in the same conditional update. `recorded: false` when the line was already
   * recorded (the earlier record wins); `chunk` is the record after the call either way.
   */
  recordLine(
    jobId: string,
    index: number,
    record: LineRecord,
  ): Promise<{ readonly recorded: boolean; readonly chunk: ChunkRecord }>;
  /**
   * Record several finished lines of one chunk (a group commit): the same as `recordLine` for each, in
   * as few conditional updates as the store can make (one per group of lines none of which is recorded
   * yet; a group refused because one of its lines was recorded meanwhile falls back to one update per
   * line). `recorded[i]` says whether `records[i]` was recorded by this call (false: an earlier record
   * wins, or the same line came earlier in `records`); `chunk` is the record after the call.
   */
  recordLines(
    jobId: string,
    index: number,
    records: readonly LineRecord[],
  ): Promise<{ readonly recorded: readonly boolean[]; readonly chunk: ChunkRecord }>;
  /**
   * Count a complete chunk into the job, once per chunk: one more `chunksDone`, and its counters added to
   * the job's `settled` counters. Returns the job afterwards. `complete`: this chunk as the store returned
   * it once every line was recorded (its counters no longer change: records are written once), so a
   * store may count it as given instead of reading it again; anything else is ignored.
   */
  completeChunk(jobId: string, index: number, now: number, complete?: ChunkRecord): Promise<JobRecord>;
  /**
   * Fan-out read the whole input: set the totals and move `validating` → `queued` (a job whose workers
   * already started is `running` and stays so).
   */
  finishFanout(
    jobId: string,
    totals: { readonly chunksTotal: number; readonly linesTotal: number; readonly now: number },
  ): Promise<JobRecord>;
  /**
   * Grant the right to finalize: when every chunk is done and the job is `queued`/`running`, or it is
   * `finalizing` with an expired lease. Moves it to `finalizing` with a lease; null when not granted.
   */
  claimFinalize(
    jobId: string,
    lease: { readonly now: number; readonly leaseMs: number },
  ): Promise<JobRecord | null>;
  /** The job's chunks in index order, paged transparently. */
  listChunks(jobId: string): AsyncIterable<ChunkRecord>;
  /**
   * Every job that is not terminal yet, in no particular order, paged transparently (for the sweeper).
   * Reads only unfinished jobs (a sparse index in DynamoDB), never finished ones or chunks.
   */
  listUnfinishedJobs(): AsyncIterable<JobRecord>;
  /**
   * Take the right to resume a stalled fan-out: granted when fan-out has not finished (no `chunksTotal`),
   * the job is not terminal, it has not changed since `stalledBefore` (epoch ms) and has been resumed
   * fewer than `maxResumes` times. Counts the resume and sets `updatedAt`, so concurrent sweepers get
   * one grant; null when not granted.
   */
  claimFanOutResume(
    jobId: string,
    claim: { readonly now: number; readonly stalledBefore: number; readonly maxResumes: number },
  ): Promise<JobRecord | null>;
}

/**
 * A job store failure. `code`: `not_found` (no such job or chunk), `conflict` (a line not in the chunk, a
 * chunk not complete), `invalid_value` (a corrupt record or an argument it cannot store), `unavailable`
 * (the database is unreachable or throttling) or `unknown`.
 */
export class JobStoreError extends ThinkbatchError {
  override name = 'JobStoreError';
  constructor(message: string, options: ThinkbatchErrorOptions = {}) {
    super(message, { code: ErrorCode.unknown, ...options });
  }
}
