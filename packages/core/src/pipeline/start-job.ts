import { z } from 'zod';
import type { JobRecord } from '../job/job';
import { isTerminalJobStatus, JobOptions } from '../job/job';
import { isValidJobId, jobIdForUpload } from '../job/job-id';
import { STORAGE } from '../settings';
import { type FanOutOutcome, fanOut } from './fan-out';
import type { PipelineDeps } from './pipeline-deps';
import { requestFinalizeWhenDone } from './settle-chunk';

/** An object-created notification, as S3 sends it (after URL-decoding the key). */
export interface UploadEvent {
  readonly bucket: string;
  readonly key: string;
  /** S3's per-PUT `sequencer`; duplicate deliveries of one event share it. */
  readonly sequencer?: string;
  readonly etag?: string;
  readonly versionId?: string;
}

/** User metadata keys (S3 `x-amz-meta-*`) the pipeline reads from an upload. */
export const UPLOAD_METADATA = {
  /** A job id chosen by the uploader (CLI, API): 1–64 of `[A-Za-z0-9_-]`. */
  jobId: 'thinkbatch-job-id',
  /** JobOptions as JSON. */
  options: 'thinkbatch-options',
} as const;

export type StartJobOutcome =
  | { readonly kind: 'started'; readonly job: JobRecord; readonly fanOut: FanOutOutcome }
  | { readonly kind: 'ignored'; readonly reason: string };

/**
 * Start a job for an uploaded input file and fan it out. Idempotent: a duplicate event finds the job and
 * stops, unless fan-out never finished (no `chunksTotal` yet), in which case it resumes it.
 */
export async function startJob(deps: PipelineDeps, event: UploadEvent): Promise<StartJobOutcome> {
  if (event.bucket !== deps.input.bucket)
    return { kind: 'ignored', reason: `bucket ${event.bucket} is not the input bucket` };
  if (!event.key.startsWith(STORAGE.inputPrefix) || !event.key.endsWith(STORAGE.inputSuffix)) {
    return {
      kind: 'ignored',
      reason: `${event.key} is not a ${STORAGE.inputPrefix}*${STORAGE.inputSuffix} upload`,
    };
  }
  const info = await deps.input.head(event.key);
  if (info === null) return { kind: 'ignored', reason: `${event.key} no longer exists` };

  const identity = event.sequencer ?? event.versionId ?? event.etag ?? info.etag;
  const requestedId = info.metadata[UPLOAD_METADATA.jobId];
  const jobId = requestedId ?? jobIdForUpload({ bucket: event.bucket, key: event.key, identity });
  const now = deps.clock.now();
  const input = { bucket: event.bucket, key: event.key, etag: info.etag, size: info.size };

  const options = parseOptions(info.metadata[UPLOAD_METADATA.options]);
  const idProblem =
    requestedId !== undefined && !isValidJobId(requestedId)
      ? `job id "${requestedId}" must be 1-64 of [A-Za-z0-9_-]`
      : null;
  if (idProblem !== null) return { kind: 'ignored', reason: idProblem };

  const { created, job } = await deps.jobs.createJob({
    jobId,
    input,
    options: options.ok ? options.value : {},
    now,
  });
  if (!created && (job.chunksTotal !== null || isTerminalJobStatus(job.status))) {
    deps.log.info('duplicate upload event; job already fanned out', { jobId, status: job.status });
    // A retried event after fan-out died between its last write and its finalize request: ask again.
    if (!isTerminalJobStatus(job.status)) await requestFinalizeWhenDone(deps, job);
    return { kind: 'ignored', reason: `job ${jobId} already exists (${job.status})` };
  }
  if (!options.ok) {
    const failed = await deps.jobs.transitionJob(jobId, {
      from: ['validating'],
      to: 'failed',
      now,
      error: { code: 'invalid_options', message: options.message },
    });
    return { kind: 'started', job: failed ?? job, fanOut: { kind: 'failed', reason: options.message } };
  }
  deps.log.info(created ? 'job created' : 'resuming an unfinished fan-out', {
    jobId,
    key: event.key,
    size: info.size,
  });
  return { kind: 'started', job, fanOut: await fanOut(deps, job) };
}

function parseOptions(
  raw: string | undefined,
): { ok: true; value: JobOptions } | { ok: false; message: string } {
  if (raw === undefined) return { ok: true, value: {} };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, message: `metadata ${UPLOAD_METADATA.options} is not JSON` };
  }
  const parsed = JobOptions.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: `metadata ${UPLOAD_METADATA.options}: ${z.prettifyError(parsed.error)}` };
}
