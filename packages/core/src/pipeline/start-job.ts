import { z } from 'zod';
import type { JobInput, JobRecord } from '../job/job';
import { isAwaitingUpload, isTerminalJobStatus, JobOptions } from '../job/job';
import { isValidJobId, jobIdForUpload } from '../job/job-id';
import { STORAGE } from '../settings';
import { failJob } from './fail-job';
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

/** What an upload event names: the job it starts and the options it asks for. */
export type UploadIdentity =
  | {
      readonly kind: 'upload';
      readonly jobId: string;
      readonly input: JobInput;
      readonly options: { ok: true; value: JobOptions } | { ok: false; message: string };
    }
  | { readonly kind: 'ignored'; readonly reason: string };

/**
 * The job an upload event starts: the uploader's job id (metadata), else a hash of bucket, key and the
 * event's identity (see `jobIdForUpload`). Every step that reads an upload event (start, the fan-out
 * failure record) derives the id here, so they find the same job.
 */
export async function identifyUpload(
  deps: Pick<PipelineDeps, 'input'>,
  event: UploadEvent,
): Promise<UploadIdentity> {
  if (event.bucket !== deps.input.bucket)
    return { kind: 'ignored', reason: `bucket ${event.bucket} is not the input bucket` };
  const suffixes = [STORAGE.inputSuffix, STORAGE.gzipInputSuffix];
  if (!event.key.startsWith(STORAGE.inputPrefix) || !suffixes.some((suffix) => event.key.endsWith(suffix))) {
    return {
      kind: 'ignored',
      reason: `${event.key} is not a ${STORAGE.inputPrefix}*${STORAGE.inputSuffix}(.gz) upload`,
    };
  }
  const info = await deps.input.head(event.key);
  if (info === null) return { kind: 'ignored', reason: `${event.key} no longer exists` };

  const identity = event.sequencer ?? event.versionId ?? event.etag ?? info.etag;
  const requestedId = info.metadata[UPLOAD_METADATA.jobId];
  if (requestedId !== undefined && !isValidJobId(requestedId))
    return { kind: 'ignored', reason: `job id "${requestedId}" must be 1-64 of [A-Za-z0-9_-]` };
  return {
    kind: 'upload',
    jobId: requestedId ?? jobIdForUpload({ bucket: event.bucket, key: event.key, identity }),
    input: { bucket: event.bucket, key: event.key, etag: info.etag, size: info.size },
    options: parseOptions(info.metadata[UPLOAD_METADATA.options]),
  };
}

/**
 * Start a job for an uploaded input file and fan it out. Idempotent: a duplicate event finds the job and
 * stops, unless fan-out never finished (no `chunksTotal` yet), in which case it resumes it.
 */
export async function startJob(deps: PipelineDeps, event: UploadEvent): Promise<StartJobOutcome> {
  const upload = await identifyUpload(deps, event);
  if (upload.kind === 'ignored') return upload;
  const { jobId, input, options } = upload;
  const now = deps.clock.now();
  // S3 delivers events unordered: the event of an upload that was overwritten since names bytes that are
  // gone. The newer upload's own event starts its job; starting one here would run the newer bytes twice.
  if (isSuperseded(event, input) && (await deps.jobs.getJob(jobId)) === null) {
    deps.log.warn('upload event of an overwritten object; ignored', { jobId, key: event.key });
    return { kind: 'ignored', reason: `${event.key} was overwritten after this event (etag ${event.etag})` };
  }

  const createdOrFound = await deps.jobs.createJob({
    jobId,
    input,
    options: options.ok ? options.value : {},
    now,
  });
  const { created } = createdOrFound;
  let { job } = createdOrFound;
  if (!created && (job.chunksTotal !== null || isTerminalJobStatus(job.status))) {
    deps.log.info('duplicate upload event; job already fanned out', { jobId, status: job.status });
    // A retried event after fan-out died between its last write and its finalize request: ask again.
    if (!isTerminalJobStatus(job.status)) await requestFinalizeWhenDone(deps, job);
    // A retried event after a failure path died before writing the outputs: write them.
    else if (job.status === 'failed' && job.outputs === null && job.error !== null)
      await failJob(deps, jobId, job.error);
    return { kind: 'ignored', reason: `job ${jobId} already exists (${job.status})` };
  }
  // A job created before its file (by the API) takes the upload it awaits as its input, pinned.
  if (!created && isAwaitingUpload(job.input)) {
    if (job.input.key !== input.key)
      return {
        kind: 'ignored',
        reason: `job ${jobId} awaits its upload at ${job.input.key}, not ${input.key}`,
      };
    job = (await deps.jobs.pinInput(jobId, { etag: input.etag, size: input.size, now })) ?? job;
  }
  if (!options.ok) {
    const failed = await failJob(deps, jobId, { code: 'invalid_options', message: options.message });
    return { kind: 'started', job: failed ?? job, fanOut: { kind: 'failed', reason: options.message } };
  }
  deps.log.info(created ? 'job created' : 'resuming an unfinished fan-out', {
    jobId,
    key: event.key,
    size: input.size,
  });
  // A resumed fan-out is progress: the sweeper measures a stalled fan-out from the job's last change.
  const current = created
    ? job
    : ((await deps.jobs.transitionJob(jobId, { from: [job.status], to: job.status, now })) ?? job);
  return { kind: 'started', job: current, fanOut: await fanOut(deps, current) };
}

/** Whether the event announces another version of the object than the one there now (etags differ). */
function isSuperseded(event: UploadEvent, input: JobInput): boolean {
  const unquote = (etag: string): string => etag.replace(/"/g, '');
  return event.etag !== undefined && input.etag !== '' && unquote(event.etag) !== unquote(input.etag);
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
