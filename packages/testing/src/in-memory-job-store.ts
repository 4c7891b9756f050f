import type { ChunkRecord, JobRecord, JobStore, LineAttemptClaim, LineClaim } from '@thinkbatch/core';
import {
  addChunkCounters,
  createChunkRecord,
  createJobRecord,
  ErrorCode,
  isAwaitingUpload,
  isChunkComplete,
  isTerminalJobStatus,
  JobStoreError,
  jobListPosition,
  lineCounterDelta,
  matchesJobListQuery,
} from '@thinkbatch/core';

import { createInMemoryJobProgress } from './in-memory-job-progress';

const NOT_FOUND = { code: ErrorCode.notFound } as const;
const CONFLICT = { code: ErrorCode.conflict } as const;
const INVALID = { code: ErrorCode.invalidValue } as const;

/**
 * A JobStore in memory with the same conditional semantics as the DynamoDB adapter (both run the
 * job-store contract suite). Records are copied in and out, so callers never share state with it.
 */
export function createInMemoryJobStore(): JobStore {
  const jobs = new Map<string, JobRecord>();
  const completedChunks = new Map<string, Set<number>>();
  const chunks = new Map<string, ChunkRecord>();
  const chunkKey = (jobId: string, index: number): string => `${jobId}#${index}`;
  /** The attempt id of each live lease's claim (DynamoDB keeps it in the lease), by chunk key and line. */
  const leaseAttempts = new Map<string, string>();

  const job = (jobId: string): JobRecord => {
    const found = jobs.get(jobId);
    if (found === undefined) throw new JobStoreError(`job ${jobId} does not exist`, NOT_FOUND);
    return found;
  };
  const chunk = (jobId: string, index: number): ChunkRecord => {
    const found = chunks.get(chunkKey(jobId, index));
    if (found === undefined)
      throw new JobStoreError(`chunk ${index} of job ${jobId} does not exist`, NOT_FOUND);
    return found;
  };
  const copy = <T>(value: T): T => structuredClone(value);
  const claimLine = (jobId: string, index: number, line: number, claim: LineClaim): LineAttemptClaim => {
    const record = chunk(jobId, index);
    if (!record.lines.includes(line)) {
      throw new JobStoreError(`line ${line} is not in chunk ${index} of job ${jobId}`, CONFLICT);
    }
    const key = String(line);
    if (record.recorded[key] !== undefined) return { kind: 'recorded' };
    if (jobs.get(jobId)?.cancelRequested === true)
      return { kind: 'cancelled', attempts: record.attempts[key] ?? 0 };
    const lease = record.leases[key];
    const attemptKey = `${chunkKey(jobId, index)}#${key}`;
    // The same claim applied again (the caller repeating it): counted once, its lease as it was.
    const counted = record.attempts[key];
    if (
      claim.attemptId !== undefined &&
      lease?.holder === claim.holder &&
      leaseAttempts.get(attemptKey) === claim.attemptId &&
      counted !== undefined
    )
      return { kind: 'claimed', attempts: counted };
    if (lease !== undefined && lease.until > claim.now && lease.holder !== claim.holder) {
      return { kind: 'held', holder: lease.holder, until: lease.until };
    }
    const attempts = (record.attempts[key] ?? 0) + 1;
    record.attempts[key] = attempts;
    record.leases[key] = { holder: claim.holder, until: claim.until };
    if (claim.attemptId === undefined) leaseAttempts.delete(attemptKey);
    else leaseAttempts.set(attemptKey, claim.attemptId);
    return { kind: 'claimed', attempts };
  };

  return {
    ...createInMemoryJobProgress((jobId, index) => chunks.get(chunkKey(jobId, index))),
    createJob: async (submission) => {
      const { jobId } = submission;
      const existing = jobs.get(jobId);
      if (existing !== undefined) return { created: false, job: copy(existing) };
      const record = createJobRecord(submission);
      jobs.set(jobId, record);
      completedChunks.set(jobId, new Set());
      return { created: true, job: copy(record) };
    },
    getJob: async (jobId) => {
      const found = jobs.get(jobId);
      return found === undefined ? null : copy(found);
    },
    pinInput: async (jobId, { etag, size, now }) => {
      const record = job(jobId);
      if (!isAwaitingUpload(record.input)) return null;
      record.input = { ...record.input, etag, size };
      record.updatedAt = now;
      return copy(record);
    },
    listJobs: async (query) => {
      const matching = [...jobs.values()]
        .filter((j) => matchesJobListQuery(j, query))
        .sort((a, b) => (jobListPosition(a) < jobListPosition(b) ? 1 : -1));
      const page = matching.slice(0, query.limit).map(copy);
      const last = page.at(-1);
      return {
        jobs: page,
        next: matching.length > query.limit && last !== undefined ? jobListPosition(last) : null,
      };
    },
    transitionJob: async (jobId, change) => {
      const record = job(jobId);
      if (!change.from.includes(record.status)) return null;
      record.status = change.to;
      record.updatedAt = change.now;
      if (change.to === 'running' && record.startedAt === null) record.startedAt = change.now;
      if (isTerminalJobStatus(change.to)) record.finishedAt = change.now;
      if (change.error !== undefined) record.error = copy(change.error);
      if (change.outputs !== undefined) record.outputs = copy(change.outputs);
      return copy(record);
    },
    requestCancel: async (jobId, now) => {
      const record = job(jobId);
      if (isTerminalJobStatus(record.status)) return null;
      record.cancelRequested = true;
      record.updatedAt = now;
      return copy(record);
    },
    putChunk: async (jobId, index, lines) => {
      job(jobId);
      const key = chunkKey(jobId, index);
      const existing = chunks.get(key);
      if (existing !== undefined) return { created: false, chunk: copy(existing) };
      const record = createChunkRecord(jobId, index, lines);
      chunks.set(key, record);
      return { created: true, chunk: copy(record) };
    },
    getChunk: async (jobId, index) => {
      const found = chunks.get(chunkKey(jobId, index));
      return found === undefined ? null : copy(found);
    },
    markChunkEnqueued: async (jobId, index) => {
      chunk(jobId, index).enqueued = true;
    },
    claimLineAttempt: async (jobId, index, line, claim) => claimLine(jobId, index, line, claim),
    claimLineAttempts: async (jobId, index, lines, claim) => {
      const record = chunk(jobId, index);
      if (new Set(lines).size !== lines.length)
        throw new JobStoreError(`claim of chunk ${index} of job ${jobId}: a line is repeated`, INVALID);
      const foreign = lines.find((line) => !record.lines.includes(line));
      if (foreign !== undefined) {
        throw new JobStoreError(`line ${foreign} is not in chunk ${index} of job ${jobId}`, CONFLICT);
      }
      return lines.map((line) => claimLine(jobId, index, line, claim));
    },
    releaseLine: async (jobId, index, line, holder) => {
      const record = chunk(jobId, index);
      if (record.leases[String(line)]?.holder === holder) delete record.leases[String(line)];
    },
    recordLine: async (jobId, index, line) => {
      const record = chunk(jobId, index);
      if (!record.lines.includes(line.line)) {
        throw new JobStoreError(`line ${line.line} is not in chunk ${index} of job ${jobId}`, CONFLICT);
      }
      const delta = lineCounterDelta(line);
      if (record.recorded[String(line.line)] !== undefined) return { recorded: false, chunk: copy(record) };
      record.recorded[String(line.line)] = { status: line.status, resultKey: line.resultKey };
      delete record.leases[String(line.line)];
      record.counters = addChunkCounters(record.counters, delta);
      return { recorded: true, chunk: copy(record) };
    },
    recordLines: async (jobId, index, records) => {
      const record = chunk(jobId, index);
      const foreign = records.find((line) => !record.lines.includes(line.line));
      if (foreign !== undefined) {
        throw new JobStoreError(`line ${foreign.line} is not in chunk ${index} of job ${jobId}`, CONFLICT);
      }
      const deltas = records.map((line) => lineCounterDelta(line));
      const recorded = records.map((line, i) => {
        if (record.recorded[String(line.line)] !== undefined) return false;
        record.recorded[String(line.line)] = { status: line.status, resultKey: line.resultKey };
        delete record.leases[String(line.line)];
        record.counters = addChunkCounters(record.counters, deltas[i] as (typeof deltas)[number]);
        return true;
      });
      return { recorded, chunk: copy(record) };
    },
    completeChunk: async (jobId, index, now) => {
      const record = job(jobId);
      if (!isChunkComplete(chunk(jobId, index))) {
        throw new JobStoreError(`chunk ${index} of job ${jobId} is not complete`, CONFLICT);
      }
      const done = completedChunks.get(jobId) ?? new Set<number>();
      if (!done.has(index)) {
        done.add(index);
        completedChunks.set(jobId, done);
        record.chunksDone += 1;
        record.settled = addChunkCounters(record.settled, chunk(jobId, index).counters);
        record.updatedAt = now;
      }
      return copy(record);
    },
    finishFanout: async (jobId, { chunksTotal, linesTotal, now }) => {
      const record = job(jobId);
      record.chunksTotal = chunksTotal;
      record.linesTotal = linesTotal;
      record.updatedAt = now;
      if (record.status === 'validating') record.status = 'queued';
      return copy(record);
    },
    claimFinalize: async (jobId, { now, leaseMs }) => {
      const record = job(jobId);
      const allDone = record.chunksTotal !== null && record.chunksDone === record.chunksTotal;
      const claimable =
        record.status === 'queued' ||
        record.status === 'running' ||
        (record.status === 'finalizing' && (record.finalizeLeaseUntil ?? 0) <= now);
      if (!allDone || !claimable) return null;
      record.status = 'finalizing';
      record.finalizeLeaseUntil = now + leaseMs;
      record.updatedAt = now;
      return copy(record);
    },
    listChunks: (jobId) =>
      (async function* () {
        const mine = [...chunks.values()].filter((c) => c.jobId === jobId).sort((a, b) => a.index - b.index);
        for (const c of mine) yield copy(c);
      })(),
    listUnfinishedJobs: () =>
      (async function* () {
        const unfinished = [...jobs.values()].filter((j) => !isTerminalJobStatus(j.status));
        for (const j of unfinished) yield copy(j);
      })(),
    claimFanOutResume: async (jobId, { now, stalledBefore, maxResumes }) => {
      const record = job(jobId);
      const grantable =
        record.chunksTotal === null &&
        !isTerminalJobStatus(record.status) &&
        record.updatedAt <= stalledBefore &&
        record.fanOutResumes < maxResumes;
      if (!grantable) return null;
      record.fanOutResumes += 1;
      record.updatedAt = now;
      return copy(record);
    },
  };
}
