import { randomUUID } from 'node:crypto';
import type { CustomIdRegistry } from '../input/custom-id-registry';
import { createCustomIdRegistry } from '../input/custom-id-registry';
import { checkInputLine } from '../input/normalize-input-line';
import type { ChunkRecord } from '../job/chunk';
import type { JobRecord } from '../job/job';
import { isAwaitingUpload, isTerminalJobStatus } from '../job/job';
import { jobRequestDefaults } from '../job/job-defaults';
import type { LineRef, RunChunkMessage } from '../job/work-message';
import type { JsonlRecord } from '../jsonl/jsonl-reader';
import { readJsonlLines } from '../jsonl/jsonl-reader';
import { checkLooksLikeJsonl, NotJsonlError, type RequestProblem } from '../jsonl/not-jsonl-check';
import { ObjectStoreError } from '../ports/object-store';
import { isPermanentQueueFailure } from '../ports/work-queue';
import type { LineError } from '../results/result-line';
import { failJob, JOB_FAILURE_CODES } from './fail-job';
import { INPUT_FAILURE_CODES, openFanOutSource } from './fan-out-input';
import { createFanOutWindow, FAN_OUT_LEASE_MS, type FanOutWindow } from './fan-out-window';
import type { PipelineDeps } from './pipeline-deps';
import { recordLineResult, unansweredResult } from './record-line-result';
import { requestFinalizeWhenDone, settleChunk } from './settle-chunk';

/** One non-blank input line as fan-out classified it. */
type ChunkEntry =
  | { readonly kind: 'valid'; readonly ref: LineRef }
  | { readonly kind: 'invalid'; readonly line: number; readonly customId: string; readonly error: LineError };

interface OpenChunk {
  index: number;
  entries: ChunkEntry[];
  bytes: number;
}

export type FanOutOutcome =
  | { readonly kind: 'fanned_out'; readonly chunks: number; readonly lines: number; readonly invalid: number }
  /** Ran out of time: handed on from its checkpoint (`continuations` so far, this one included). */
  | { readonly kind: 'continued'; readonly chunks: number; readonly continuations: number }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string };

/** The invocation a fan-out runs in. */
export interface FanOutInvocation {
  /** Epoch ms by which the invocation must have returned. @default none: runs to the end */
  readonly deadline?: number;
  /** Invocations before this one that ran out of time on this fan-out. @default 0 */
  readonly continuations?: number;
}

/**
 * Stream a job's input once: validate every line, record invalid lines as failed results at once, and
 * enqueue the valid ones as chunk work items (claim checks: byte ranges, never prompts). Chunks are
 * written and sent a window at a time, side by side (see `fan-out-window.ts`), and after each window the
 * job's fan-out checkpoint says how many chunks are done. Re-running it on the same job (an interrupted
 * fan-out, a duplicate event, a continuation) recomputes the same chunks (the custom_id check needs
 * every line again) but writes and sends nothing below the checkpoint; above it, existing chunks and
 * recorded lines are found and a chunk's work is sent twice at worst (workers skip recorded lines).
 * Past its invocation's deadline (less `finalizeReserveMs`) it hands on: a `continue_fan_out` message
 * runs the rest in a worker invocation, at most `maxHandoffs` times.
 * Transient errors throw (the caller retries: Lambda's async retries, then the failure destination);
 * failures no retry can fix end the job `failed` at once: an input that is gone or changed, a work
 * queue that refuses the work for good.
 */
export async function fanOut(
  deps: PipelineDeps,
  job: JobRecord,
  invocation: FanOutInvocation = {},
): Promise<FanOutOutcome> {
  if (job.chunksTotal !== null) return { kind: 'skipped', reason: 'fan-out already finished' };
  if (isTerminalJobStatus(job.status)) return { kind: 'skipped', reason: `job is ${job.status}` };
  try {
    return await readAndEnqueue(deps, job, invocation);
  } catch (error) {
    if (!isPermanentQueueFailure(error)) throw error;
    return failFanOut(
      deps,
      job,
      JOB_FAILURE_CODES.fanOutFailed,
      `the work queue refused this job's work: ${error.message}`,
    );
  }
}

/** Run a fan-out handed on by `continue_fan_out` (see {@link fanOut}); skipped once it finished. */
export async function continueFanOut(
  deps: PipelineDeps,
  jobId: string,
  invocation: FanOutInvocation,
): Promise<FanOutOutcome> {
  const job = await deps.jobs.getJob(jobId);
  if (job === null) return { kind: 'skipped', reason: `job ${jobId} does not exist` };
  if (job.chunksTotal !== null || isTerminalJobStatus(job.status))
    return { kind: 'skipped', reason: `job ${jobId} is ${job.status}, fan-out finished` };
  // Progress, for the sweeper, which resumes a fan-out that has not changed for a while.
  const now = deps.clock.now();
  const current = (await deps.jobs.transitionJob(jobId, { from: [job.status], to: job.status, now })) ?? job;
  return fanOut(deps, current, invocation);
}

async function readAndEnqueue(
  deps: PipelineDeps,
  awaited: JobRecord,
  invocation: FanOutInvocation,
): Promise<FanOutOutcome> {
  const job = await pinUploadedInput(deps, awaited);
  if (job === null) {
    const { bucket, key } = awaited.input;
    return failFanOut(deps, awaited, 'input_missing', `input s3://${bucket}/${key} was never uploaded`);
  }
  const { jobId, input } = job;
  let source: AsyncIterable<Uint8Array> | null;
  try {
    source = await deps.input.stream(input.key, { ifMatch: input.etag });
  } catch (error) {
    if (error instanceof ObjectStoreError && error.code === 'precondition_failed') {
      return failFanOut(
        deps,
        job,
        'input_changed',
        `input s3://${input.bucket}/${input.key} changed after upload`,
      );
    }
    throw error;
  }
  if (source === null)
    return failFanOut(deps, job, 'input_missing', `input s3://${input.bucket}/${input.key} does not exist`);
  const opened = await openFanOutSource(deps, job, source);
  if (opened.kind === 'failed') return failFanOut(deps, job, opened.code, opened.message);

  const holder = `fan-out-${randomUUID()}`;
  const now = deps.clock.now();
  const lease = await deps.jobs.acquireFanOutLease(jobId, { holder, until: now + FAN_OUT_LEASE_MS, now });
  if (lease === null) return { kind: 'skipped', reason: 'another run of this fan-out holds its lease' };
  try {
    // Chunks but no reserved mark: left by a fan-out of an older version; all are written with a condition.
    const legacy = lease.reserved === 0 && (await anyChunkExists(deps, jobId));
    return await enqueueUnderLease(deps, job, invocation, {
      holder,
      checkpoint: lease.checkpoint,
      reserved: legacy ? Number.MAX_SAFE_INTEGER : lease.reserved,
      bytes: opened.bytes,
      decodedInput: opened.kind === 'decoded' ? opened.decodedInput : undefined,
    });
  } finally {
    await deps.jobs.releaseFanOutLease(jobId, holder).catch((error: unknown) => {
      deps.log.warn('fan-out lease not released (it runs out by itself)', { jobId, error: String(error) });
    });
  }
}

/** Read every line and write and send its chunks, holding the job's fan-out lease. */
async function enqueueUnderLease(
  deps: PipelineDeps,
  job: JobRecord,
  invocation: FanOutInvocation,
  source: {
    readonly holder: string;
    readonly checkpoint: number;
    readonly reserved: number;
    readonly bytes: AsyncIterable<Uint8Array>;
    readonly decodedInput: RunChunkMessage['decodedInput'] | undefined;
  },
): Promise<FanOutOutcome> {
  const { jobId } = job;
  const { checkpoint, decodedInput } = source;
  const defaults = jobRequestDefaults(job.options, deps.config.defaultModel);
  const linesPerChunk = job.options.linesPerChunk ?? deps.config.linesPerChunk;
  const maxChunks = deps.config.maxChunksPerJob;
  const registry = createCustomIdRegistry();
  await deps.jobs.startJobProgress(jobId);
  const window: FanOutWindow<OpenChunk> = createFanOutWindow<OpenChunk>(deps, {
    jobId,
    checkpoint,
    lease: { holder: source.holder, reserved: source.reserved },
    linesOf: chunkLines,
    persist: (chunk, created) => persistChunk(deps, jobId, chunk, created, defaults.model, decodedInput),
  });
  const continuations = invocation.continuations ?? 0;
  const stopAt = fanOutStopTime(deps, invocation.deadline);
  let open: OpenChunk = { index: 0, entries: [], bytes: 0 };
  let lines = 0;
  let invalid = 0;

  /** Close the open chunk; true when the window was written and the time is up. */
  const closeChunk = async (): Promise<boolean> => {
    if (open.entries.length === 0) return false;
    const full = window.add(open);
    open = { index: open.index + 1, entries: [], bytes: 0 };
    if (!full) return false;
    await window.flush();
    return deps.clock.now() >= stopAt && window.written() > checkpoint;
  };

  const requestProblem: RequestProblem = (record) => {
    const verdict = checkInputLine(record.text, record.lineNumber);
    return verdict.kind === 'valid' ? null : verdict.error.message;
  };
  const records = checkLooksLikeJsonl(
    readJsonlLines(source.bytes, { maxLineBytes: deps.config.maxLineBytes }),
    requestProblem,
  );
  try {
    for await (const record of records) {
      if (open.index >= maxChunks) {
        // Chunks sent so far run until the failure stops them; the job keeps their results.
        await window.flush();
        const most = `${maxChunks} chunks, about ${maxChunks * linesPerChunk} lines at ${linesPerChunk} per chunk`;
        const message = `the input has more lines than one job holds (${most}): split it into smaller files`;
        return failFanOut(deps, job, INPUT_FAILURE_CODES.tooLarge, message);
      }
      lines += 1;
      const entry = classify(record, registry);
      if (entry.kind === 'invalid') invalid += 1;
      open.entries.push(entry);
      open.bytes += record.byteEnd - record.byteStart;
      if (open.entries.length >= linesPerChunk || open.bytes >= deps.config.maxChunkBytes) {
        if (await closeChunk()) return handOn(deps, job, window.written(), continuations, source.holder);
      }
    }
  } catch (error) {
    if (!(error instanceof NotJsonlError)) throw error;
    const code =
      error.reason === 'no_requests' ? INPUT_FAILURE_CODES.noRequests : INPUT_FAILURE_CODES.notJsonl;
    return failFanOut(deps, job, code, error.message);
  }
  await closeChunk();
  await window.flush();

  const chunks = open.index;
  const finished = await deps.jobs.finishFanout(jobId, {
    chunksTotal: chunks,
    linesTotal: lines,
    now: deps.clock.now(),
  });
  if (lines === 0) {
    const message = 'the input has no lines to run: the file is empty or holds only blank lines';
    return failFanOut(deps, job, INPUT_FAILURE_CODES.empty, message);
  }
  deps.log.info('fan-out finished', { jobId, chunks, lines, invalid });
  await requestFinalizeWhenDone(deps, finished);
  return { kind: 'fanned_out', chunks, lines, invalid };
}

/** A line's entry: invalid (unreadable, not a request, a duplicate custom_id) or a valid line's reference. */
function classify(record: JsonlRecord, registry: CustomIdRegistry): ChunkEntry {
  const line = record.lineNumber;
  if (record.kind === 'error') {
    const customId = `line-${line}`;
    registry.claim(customId, line);
    return {
      kind: 'invalid',
      line,
      customId,
      error: { code: record.error.code, message: `line ${line}: ${record.error.message}` },
    };
  }
  const verdict = checkInputLine(record.text, line);
  const { customId } = verdict;
  const claim = registry.claim(customId, line);
  if (claim.kind === 'duplicate') return { kind: 'invalid', line, customId, error: claim.error };
  if (verdict.kind === 'invalid') return { kind: 'invalid', line, customId, error: verdict.error };
  return { kind: 'valid', ref: { line, customId, byteStart: record.byteStart, byteEnd: record.byteEnd } };
}

/** Whether the job has any chunk (one page of the listing at most). */
async function anyChunkExists(deps: PipelineDeps, jobId: string): Promise<boolean> {
  for await (const _ of deps.jobs.listChunks(jobId)) return true;
  return false;
}

/** The line numbers of a chunk, valid and invalid, in order. */
function chunkLines(open: OpenChunk): number[] {
  return open.entries.map((e) => (e.kind === 'valid' ? e.ref.line : e.line));
}

/**
 * Create the chunk record unless the window just created it in a batch (or find it from an earlier run),
 * record its invalid lines, and return the work item to send — null when there is nothing to send
 * (already enqueued, or no valid line).
 */
async function persistChunk(
  deps: PipelineDeps,
  jobId: string,
  open: OpenChunk,
  created: ChunkRecord | null,
  model: string,
  decodedInput: RunChunkMessage['decodedInput'],
): Promise<RunChunkMessage | null> {
  let chunk = created ?? (await deps.jobs.putChunk(jobId, open.index, chunkLines(open))).chunk;
  let recordedInvalid = false;
  for (const entry of open.entries) {
    if (entry.kind !== 'invalid' || chunk.recorded[String(entry.line)] !== undefined) continue;
    const result = unansweredResult({ ...entry, status: 'failed', attempts: 0, model });
    ({ chunk } = await recordLineResult(deps, jobId, open.index, result));
    recordedInvalid = true;
  }
  if (recordedInvalid) await deps.jobs.pushChunkProgress(jobId, open.index);
  const refs = open.entries.flatMap((e) => (e.kind === 'valid' ? [e.ref] : []));
  if (refs.length === 0) {
    if (!chunk.enqueued) await deps.jobs.markChunkEnqueued(jobId, open.index);
    await settleChunk(deps, chunk);
    return null;
  }
  // Chunks enqueued by an older fan-out were marked one by one; now the checkpoint says it per window.
  if (chunk.enqueued) return null;
  return {
    type: 'run_chunk',
    jobId,
    chunk: open.index,
    lines: refs,
    handoffs: 0,
    ...(decodedInput !== undefined && { decodedInput }),
  };
}

/**
 * The job with its input pinned. A job created before its file (by the API) whose upload event never
 * came (a sweeper resume): pin the object that is there now, or null when there is none.
 */
async function pinUploadedInput(deps: PipelineDeps, job: JobRecord): Promise<JobRecord | null> {
  if (!isAwaitingUpload(job.input)) return job;
  const info = await deps.input.head(job.input.key);
  if (info === null) return null;
  const now = deps.clock.now();
  const pinned = await deps.jobs.pinInput(job.jobId, { etag: info.etag, size: info.size, now });
  return pinned ?? (await deps.jobs.getJob(job.jobId));
}

/** When a fan-out stops to hand on: its deadline less the reserve (at most a quarter of the time left). */
function fanOutStopTime(deps: PipelineDeps, deadline: number | undefined): number {
  if (deadline === undefined) return Number.POSITIVE_INFINITY;
  const reserveMs = Math.min(deps.config.finalizeReserveMs, (deadline - deps.clock.now()) / 4);
  return deadline - reserveMs;
}

/** Send the rest of the fan-out on to a worker invocation, or fail the job at the bound. */
async function handOn(
  deps: PipelineDeps,
  job: JobRecord,
  chunks: number,
  continuations: number,
  holder: string,
): Promise<FanOutOutcome> {
  if (continuations >= deps.config.maxHandoffs) {
    const message = `fan-out did not finish in ${continuations + 1} invocations (${chunks} chunks sent)`;
    return failFanOut(deps, job, JOB_FAILURE_CODES.fanOutFailed, message);
  }
  deps.log.info('fan-out out of time; handing on from its checkpoint', { jobId: job.jobId, chunks });
  const next = continuations + 1;
  // Before the message: the invocation that continues must find the lease free, or it would skip.
  await deps.jobs.releaseFanOutLease(job.jobId, holder);
  await deps.queue.send([{ type: 'continue_fan_out', jobId: job.jobId, continuations: next }]);
  return { kind: 'continued', chunks, continuations: next };
}

async function failFanOut(
  deps: PipelineDeps,
  job: JobRecord,
  code: string,
  message: string,
): Promise<FanOutOutcome> {
  await failJob(deps, job.jobId, { code, message });
  return { kind: 'failed', reason: message };
}
