import { ErrorCode } from '../errors/error-code';
import { normalizeInputLine } from '../input/normalize-input-line';
import { type ChunkRecord, isChunkComplete } from '../job/chunk';
import type { JobRecord } from '../job/job';
import { isTerminalJobStatus } from '../job/job';
import { jobRequestDefaults } from '../job/job-defaults';
import type { LineRef, RunChunkMessage } from '../job/work-message';
import { decodeLineBytes } from '../jsonl/jsonl-line-bytes';
import { QUEUE } from '../settings';
import { adoptOrphanedResults } from './adopt-orphaned-results';
import { createCancelWatch } from './cancel-watch';
import { createEndpointRefusalGuard } from './endpoint-refusal-guard';
import { endHandedBackLines } from './handoff-limit';
import type { Limiter } from './limiter';
import { callsMade } from './line-call';
import { createLineClaims } from './line-claims';
import { createLinePermits, type LinePermits } from './line-permits';
import { createLineRecorder } from './line-recorder';
import type { PipelineDeps } from './pipeline-deps';
import { PipelineError } from './pipeline-error';
import type { ProgressPushPacer } from './progress-push-pacer';
import { unansweredResult } from './record-line-result';
import type { KnownResults } from './result-objects';
import { runLine } from './run-line';
import { settleChunk } from './settle-chunk';

/** The invocation a work item runs in (see `startInvocation`). */
export interface Invocation {
  /** Epoch ms by which the invocation must have returned. */
  readonly deadline: number;
  /** Shared by every work item of the invocation: bounds lines in flight. */
  readonly limiter: Limiter;
  /**
   * The invocation's permits for endpoint calls, shared by its work items. Without them a work item
   * takes its own for its lines, handed back when it ends.
   */
  readonly permits?: LinePermits;
  /** Spaces the job counter pushes of every work item of the invocation; without it, each its own. */
  readonly progressPushes?: ProgressPushPacer;
  readonly signal?: AbortSignal;
}

/** A chunk read with one ranged GET unless its lines span more than this. */
const MAX_SPAN_BYTES = 16 * 1024 * 1024;

/**
 * Run the unfinished lines of one chunk. Lines recorded by an earlier delivery are skipped (never
 * called again); each finished line is recorded at once; lines this invocation cannot finish in time or
 * that must wait out a long backoff go back to the queue as a new, delayed work item. Throws only for
 * infrastructure failures, which make the message come back.
 */
export async function runChunk(
  deps: PipelineDeps,
  message: RunChunkMessage,
  invocation: Invocation,
): Promise<void> {
  const { jobId, chunk: index } = message;
  const job = await deps.jobs.getJob(jobId);
  if (job === null) {
    deps.log.warn('work item for an unknown job; dropping it', { jobId, chunk: index });
    return;
  }
  if (isTerminalJobStatus(job.status) || job.status === 'finalizing') return;
  // Workers may start before fan-out has finished reading a large file: running wins over validating.
  if (job.status === 'queued' || job.status === 'validating') {
    await deps.jobs.transitionJob(jobId, {
      from: ['validating', 'queued'],
      to: 'running',
      now: deps.clock.now(),
    });
  }

  const handedBack: { ref: LineRef; delayMs: number }[] = [];
  let chunk = await requireChunk(deps, jobId, index);
  const unrecorded = message.lines.filter((ref) => chunk.recorded[String(ref.line)] === undefined);
  // Lines another live delivery holds are its to finish; come back after its lease in case it dies.
  const now = deps.clock.now();
  for (const ref of unrecorded) {
    const lease = chunk.leases[String(ref.line)];
    if (lease !== undefined && lease.until > now) {
      handedBack.push({ ref, delayMs: Math.min(lease.until - now, deps.config.heldLineRecheckMs) });
    }
  }
  let todo = unrecorded.filter((ref) => !handedBack.some((h) => h.ref.line === ref.line));
  if (todo.length > 0) chunk = await adoptOrphanedResults(deps, chunk, todo);
  todo = todo.filter((ref) => chunk.recorded[String(ref.line)] === undefined);

  const failures: unknown[] = [];
  let recordedHere: KnownResults = new Map();
  /** The chunk as this delivery's last record left it: complete, it is final (no read needed to settle). */
  let lastSeen = (): ChunkRecord | null => null;
  if (todo.length > 0) {
    const holder = deps.newToken();
    // A cancel shows in the claims (refused as `cancelled`), which go in groups of the chunk's lines.
    const cancel = createCancelWatch(deps.jobs, jobId, job.cancelRequested, deps.clock);
    const claims = createLineClaims(deps.jobs, jobId, index);
    // Stops the job when the endpoint refuses every call the same way (wrong key, unknown model).
    const refusals = createEndpointRefusalGuard(deps, jobId, job.error, invocation.signal);
    const lineDeps = { ...deps, model: refusals.model };
    const texts = await readLineTexts(deps, job, message, todo);
    const defaults = jobRequestDefaults(job.options, deps.config.defaultModel);
    // Lines that finish together are recorded together (a group commit), each still exactly once.
    const recorder = createLineRecorder(
      invocation.progressPushes === undefined ? deps : { ...deps, pushPacer: invocation.progressPushes },
      jobId,
      index,
    );
    recordedHere = recorder.recordedResults;
    lastSeen = () => recorder.lastSeenChunk;
    const permits =
      invocation.permits ??
      createLinePermits({
        gates: deps.rateGates,
        clock: deps.clock,
        holder,
        holdUntil: invocation.deadline,
        maxInFlight: deps.config.lineConcurrency,
      });
    // Every line ends (recorded, handed back or failed) before this delivery decides anything: a line
    // that throws must not leave its siblings running unseen after the message has been given up.
    const settled = await Promise.allSettled(
      todo.map((ref) =>
        invocation.limiter.run(async () => {
          const normalized = normalizeInputLine(texts.get(ref.line) ?? '', ref.line, defaults);
          if (normalized.kind === 'invalid') {
            // Fan-out validated this line against the same bytes (etag pinned): only a bug gets here.
            const result = unansweredResult({
              ...lineOf(ref),
              status: 'failed',
              error: normalized.error,
              attempts: 0,
            });
            await recorder.record(result);
            return;
          }
          const stopped = await refusals.stoppedLine(ref, callsMade(chunk, ref));
          if (stopped !== null) return void (await recorder.record(stopped));
          const release = (): Promise<void> => deps.jobs.releaseLine(jobId, index, ref.line, holder);
          const outcome = await runLine(lineDeps, {
            jobId,
            chunk: index,
            holder,
            ref,
            body: normalized.request.body,
            maxAttempts: job.options.maxAttempts ?? deps.config.retry.maxAttempts,
            attemptTimeoutMs: job.options.attemptTimeoutMs ?? deps.config.attemptTimeoutMs,
            jobDeadline: job.options.deadline ?? null,
            invocationDeadline: invocation.deadline,
            isCancelled: cancel.isCancelled,
            claimAttempt: async (claim) => {
              const outcome = await claims.claim(ref.line, claim);
              if (outcome.kind === 'cancelled') cancel.noteCancelled();
              return outcome;
            },
            permits,
            longestWaitMs: deps.rateGates.settings.longestWaitMs,
            signal: refusals.signal,
          }).catch(async (error: unknown) => {
            await release().catch(() => {});
            throw error;
          });
          if (outcome.kind === 'finished') await recorder.record(outcome.result);
          else if (outcome.kind === 'handed_back') {
            await release();
            handedBack.push({ ref: outcome.ref, delayMs: outcome.delayMs });
          } else
            deps.log.info('line skipped', { jobId, chunk: index, line: ref.line, reason: outcome.reason });
        }),
      ),
    );
    for (const outcome of settled) if (outcome.status === 'rejected') failures.push(outcome.reason);
    if (invocation.permits === undefined) {
      await permits.close().catch((error: unknown) =>
        deps.log.warn('could not hand the rate gate lease back; it expires', {
          jobId,
          error: String(error),
        }),
      );
    }
  }

  // A chain of hand-backs is bounded (the worker's recursion config allows Lambda's loop): at the limit, end the lines.
  if (handedBack.length > 0 && message.handoffs >= deps.config.maxHandoffs)
    await endHandedBackLines(deps, message, handedBack);
  else if (handedBack.length > 0) await handBack(deps, message, handedBack);
  // The chunk file takes the results this delivery recorded from memory, and reads only the others. A
  // chunk this delivery's last record completed is final (records never change): it settles without a read.
  const seen = lastSeen();
  const settling = seen !== null && isChunkComplete(seen) ? seen : await requireChunk(deps, jobId, index);
  await settleChunk(deps, settling, recordedHere);
  // An infrastructure failure on some line: the message comes back for it (recorded lines are skipped).
  if (failures.length > 0) throw failures[0];
}

function lineOf(ref: LineRef): { customId: string; line: number; model: null } {
  return { customId: ref.customId, line: ref.line, model: null };
}

/** Send the lines this delivery did not finish back to the queue, as one work item, after the longest wait. */
async function handBack(
  deps: PipelineDeps,
  message: RunChunkMessage,
  handedBack: readonly { ref: LineRef; delayMs: number }[],
): Promise<void> {
  const delayMs = Math.max(...handedBack.map((h) => h.delayMs));
  const delaySeconds = Math.min(QUEUE.maxDelaySeconds, Math.ceil(delayMs / 1000));
  const lines = handedBack.map((h) => h.ref).sort((a, b) => a.line - b.line);
  deps.log.info('handing lines back to the queue', {
    jobId: message.jobId,
    chunk: message.chunk,
    lines: lines.length,
    delaySeconds,
  });
  await deps.queue.send([{ ...message, lines, handoffs: message.handoffs + 1 }], { delaySeconds });
}

async function requireChunk(deps: PipelineDeps, jobId: string, index: number): Promise<ChunkRecord> {
  const chunk = await deps.jobs.getChunk(jobId, index);
  if (chunk === null)
    throw new PipelineError(`chunk ${index} of job ${jobId} does not exist`, { code: ErrorCode.notFound });
  return chunk;
}

/** Fetch the lines' bytes (one ranged GET for the chunk's span when it is small) and decode them. */
async function readLineTexts(
  deps: PipelineDeps,
  job: JobRecord,
  message: RunChunkMessage,
  refs: readonly LineRef[],
): Promise<Map<number, string>> {
  // A gzip upload's lines are read from its decompressed copy (see `openFanOutSource`).
  const { key, etag } = message.decodedInput ?? job.input;
  const store = message.decodedInput === undefined ? deps.input : deps.output;
  const texts = new Map<number, string>();
  const start = Math.min(...refs.map((r) => r.byteStart));
  const end = Math.max(...refs.map((r) => r.byteEnd));
  if (end - start <= MAX_SPAN_BYTES) {
    const span = await store.get(key, { range: { start, end }, ifMatch: etag });
    if (span === null)
      throw new PipelineError(`input s3://${store.bucket}/${key} is gone`, { code: ErrorCode.notFound });
    for (const ref of refs)
      texts.set(ref.line, decodeLineBytes(span.subarray(ref.byteStart - start, ref.byteEnd - start)));
    return texts;
  }
  for (const ref of refs) {
    const bytes = await store.get(key, {
      range: { start: ref.byteStart, end: ref.byteEnd },
      ifMatch: etag,
    });
    if (bytes === null)
      throw new PipelineError(`input s3://${store.bucket}/${key} is gone`, { code: ErrorCode.notFound });
    texts.set(ref.line, decodeLineBytes(bytes));
  }
  return texts;
}
