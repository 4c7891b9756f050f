import {
  AWAITING_UPLOAD_ETAG,
  type InputMessage,
  isAwaitingUpload,
  type JobMetadata,
  type JobOptions,
  type JobRecord,
  JobSummary,
  ResultLine,
  STORAGE,
  UPLOAD_METADATA,
} from '@thinkbatch/core';
import type { LabellingDeps } from './labelling-deps';

/** One line of a labelling job's input: a sample of a row. */
export interface LabellingJobLine {
  readonly custom_id: string;
  readonly messages: readonly InputMessage[];
}

/**
 * Create a run's job under its fixed id — the claim: the job store's conditional put lets one caller
 * create it — and store its input the way the API does (job first, then the object carrying the job id,
 * pinned, announced). A caller that finds the job awaiting its upload (its creator died before the
 * upload) stores the same bytes again; the first pinned version wins. Returns whether this call created it.
 */
export async function ensureLabellingJob(
  deps: LabellingDeps,
  request: {
    readonly jobId: string;
    readonly lines: readonly LabellingJobLine[];
    readonly options: JobOptions;
    readonly metadata: JobMetadata;
    /** Run by the creator only, before the input is stored (what the job's finished event will read). */
    readonly beforeUpload?: () => Promise<void>;
  },
): Promise<{ readonly created: boolean; readonly job: JobRecord }> {
  const key = `${STORAGE.inputPrefix}${request.jobId}${STORAGE.inputSuffix}`;
  const { created, job } = await deps.jobs.createJob({
    jobId: request.jobId,
    input: { bucket: deps.input.bucket, key, etag: AWAITING_UPLOAD_ETAG, size: 0 },
    options: request.options,
    now: deps.clock.now(),
    metadata: request.metadata,
  });
  if (!isAwaitingUpload(job.input)) return { created, job };
  if (created) await request.beforeUpload?.();
  const body = `${request.lines.map((line) => JSON.stringify(line)).join('\n')}\n`;
  await deps.input.put(key, body, {
    contentType: 'application/x-ndjson',
    metadata: { [UPLOAD_METADATA.jobId]: job.jobId },
  });
  const info = await deps.input.head(key);
  if (info === null) throw new Error(`the input of labelling job ${job.jobId} vanished after its upload`);
  await deps.jobs.pinInput(job.jobId, { etag: info.etag, size: info.size, now: deps.clock.now() });
  await deps.announceUpload(key);
  return { created, job: (await deps.jobs.getJob(job.jobId)) ?? job };
}

/** A finished job's result lines by custom_id (empty when it left no results file). */
export async function readJobResultLines(
  deps: LabellingDeps,
  job: JobRecord,
): Promise<Map<string, ResultLine>> {
  const results = new Map<string, ResultLine>();
  if (job.outputs === null) return results;
  const body = await deps.output.get(job.outputs.results);
  if (body === null) return results;
  for (const line of new TextDecoder().decode(body).split('\n')) {
    if (line.trim() === '') continue;
    const parsed = ResultLine.parse(JSON.parse(line));
    results.set(parsed.custom_id, parsed);
  }
  return results;
}

/** A finished job's `summary.json`; null when it has none. */
export async function readJobSummary(deps: LabellingDeps, job: JobRecord): Promise<JobSummary | null> {
  if (job.outputs === null) return null;
  const body = await deps.output.get(job.outputs.summary);
  return body === null ? null : JobSummary.parse(JSON.parse(new TextDecoder().decode(body)));
}

/** A finished job with what it left. */
export interface FinishedLabellingJob {
  readonly job: JobRecord;
  readonly results: ReadonlyMap<string, ResultLine>;
  readonly summary: JobSummary | null;
}

/** Read a finished job's results and summary. */
export async function readFinishedJob(deps: LabellingDeps, job: JobRecord): Promise<FinishedLabellingJob> {
  return { job, results: await readJobResultLines(deps, job), summary: await readJobSummary(deps, job) };
}
