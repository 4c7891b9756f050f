import { ErrorCode } from '../errors/error-code';
import { parse } from '../errors/parse';
import type { JobRecord } from '../job/job';
import { jobKeys } from '../job/job-keys';
import { concat } from '../jsonl/jsonl-line-splitter';
import { createSummaryBuilder, type SummaryBuilder, SummaryState } from '../results/job-summary';
import { toOpenAIBatchOutputLine } from '../results/openai-batch-output';
import { type JsonlUpload, startJsonlUpload } from './jsonl-upload';
import type { PipelineDeps } from './pipeline-deps';
import { PipelineError } from './pipeline-error';
import { type ResultBatch, readResultBatch } from './result-file-batch';

/**
 * How far finalize reads ahead of the chunk file it parses: at most `files` GETs in flight or waiting, and
 * none started while the files read and not yet parsed hold `bytes` or more. On S3 each GET waits tens of
 * ms for its first byte, so the reads' latency, not the parsing, bounds a finalize of small lines unless
 * many are in flight; the byte bound keeps memory at about `bytes` plus `files` chunk files (R1-sized:
 * ~2 MB each) whatever the lines' size.
 */
export const FINALIZE_READ_AHEAD = { files: 32, bytes: 32 * 1024 * 1024 } as const;

/** Segments of a job of `chunks` chunks, `segmentChunks` chunks each (the last may be shorter). */
export function segmentCount(chunks: number, segmentChunks: number): number {
  return Math.ceil(chunks / segmentChunks);
}

/** What a segment leaves beside its results: its failed lines, its OpenAI Batch lines, its summary. */
export type SegmentPart = 'errors' | 'batch' | 'summary';

/** Where the parts of finalize segments are (deleted with the other intermediates). */
export function segmentPartsPrefix(jobId: string): string {
  return `${jobKeys.root(jobId)}finalize-parts/`;
}

/** Key of one part of segment `segment`. */
export function segmentPartKey(jobId: string, segment: number, part: SegmentPart): string {
  const extension = part === 'summary' ? 'json' : 'jsonl';
  return `${segmentPartsPrefix(jobId)}${String(segment).padStart(6, '0')}.${part}.${extension}`;
}

/** The summary part of a segment: what its lines add to `summary.json`, and which parts it wrote. */
interface SegmentSummary {
  readonly state: SummaryState;
  /** Whether the errors part was written (only when the segment has a line that did not succeed). */
  readonly errors: boolean;
  /** Whether the OpenAI Batch part was written. */
  readonly batch: boolean;
}

/** How writing the missing segments ended. */
export type SegmentsOutcome =
  | { readonly kind: 'done'; readonly written: number }
  | { readonly kind: 'out_of_time'; readonly written: number; readonly left: number };

/**
 * Write the finalize segments of a job that are not written yet, in order, while `stopAt` (epoch ms) has
 * not passed. Segment k is one pass over chunk files k·S … (k+1)·S − 1 (read ahead, side by side): their
 * lines, as stored, into the segment (`jobs/<id>/finalize/<k>.jsonl`); the lines that did not succeed
 * into its errors part; the OpenAI Batch lines into its batch part (when the job asked for them); its
 * counts into its summary part. The parts are stored before the segment, and a segment object exists
 * only once complete (a multipart upload), so a segment found is done with its parts, and a later
 * invocation resumes from the first one missing.
 */
export async function writeMissingSegments(
  deps: Pick<PipelineDeps, 'output' | 'clock'>,
  job: Pick<JobRecord, 'jobId' | 'chunksTotal' | 'createdAt' | 'options'>,
  options: { readonly segmentChunks: number; readonly stopAt: number },
): Promise<SegmentsOutcome> {
  const chunks = job.chunksTotal ?? 0;
  const segments = segmentCount(chunks, options.segmentChunks);
  let written = 0;
  for (let segment = 0; segment < segments; segment += 1) {
    const key = jobKeys.finalizeSegment(job.jobId, segment);
    if ((await deps.output.head(key)) !== null) continue;
    if (deps.clock.now() >= options.stopAt) return { kind: 'out_of_time', written, left: segments - segment };
    const from = segment * options.segmentChunks;
    const to = Math.min(chunks, from + options.segmentChunks);
    const keys = Array.from({ length: to - from }, (_, i) => jobKeys.chunkResults(job.jobId, from + i));
    await writeSegment(deps, job, segment, readResultFilesAhead(deps, job.jobId, keys));
    written += 1;
  }
  return { kind: 'done', written };
}

async function writeSegment(
  deps: Pick<PipelineDeps, 'output'>,
  job: Pick<JobRecord, 'jobId' | 'createdAt' | 'options'>,
  segment: number,
  batches: AsyncIterable<ResultBatch>,
): Promise<void> {
  const { jobId } = job;
  const results = startJsonlUpload(deps.output, jobKeys.finalizeSegment(jobId, segment));
  // The other parts start with their first line: a segment whose lines all succeeded has no errors part.
  let errors: JsonlUpload | null = null;
  let batch: JsonlUpload | null = null;
  const openaiBatch = job.options.openaiBatchOutput === true;
  const batchOptions = { batchRequestIdPrefix: jobId, createdAt: job.createdAt };
  const summary = createSummaryBuilder();
  const uploads = (): JsonlUpload[] => [errors, batch, results].filter((u) => u !== null);
  try {
    for await (const { lines, bytes } of batches) {
      for (const { result } of lines) summary.add(result);
      if (bytes !== null) await results.writeBytes(bytes);
      else for (const { text } of lines) await results.writeLine(text);
      for (const { text, result } of lines) {
        if (result.status !== 'succeeded') {
          errors ??= startJsonlUpload(deps.output, segmentPartKey(jobId, segment, 'errors'));
          await errors.writeLine(text);
        }
        if (openaiBatch) {
          batch ??= startJsonlUpload(deps.output, segmentPartKey(jobId, segment, 'batch'));
          await batch.writeLine(JSON.stringify(toOpenAIBatchOutputLine(result, batchOptions)));
        }
      }
    }
    await Promise.all([errors?.finish(), batch?.finish()]);
    const part: SegmentSummary = { state: summary.state(), errors: errors !== null, batch: batch !== null };
    await deps.output.put(segmentPartKey(jobId, segment, 'summary'), JSON.stringify(part), {
      contentType: 'application/json',
    });
    await results.finish();
  } catch (error) {
    await Promise.all(uploads().map((upload) => upload.abort(error)));
    throw error;
  }
}

/**
 * The outputs of a job whose segments are all written, composed from them without reading a result
 * line again: `results.jsonl` from the segments, `errors.jsonl` and the OpenAI Batch file from their
 * parts (`ObjectStore.compose`: server-side copies on S3), and the summary builder from their summary
 * parts. Rewriting them gives the same bytes, so a composition cut short is simply done again.
 */
export async function composeSegments(
  deps: Pick<PipelineDeps, 'output'>,
  job: Pick<JobRecord, 'jobId' | 'chunksTotal' | 'options'>,
  segmentChunks: number,
): Promise<SummaryBuilder> {
  const { jobId } = job;
  const segments = segmentCount(job.chunksTotal ?? 0, segmentChunks);
  const summary = createSummaryBuilder();
  const errors: string[] = [];
  const batch: string[] = [];
  for (let segment = 0; segment < segments; segment += 1) {
    const key = segmentPartKey(jobId, segment, 'summary');
    const body = await deps.output.get(key);
    if (body === null)
      throw new PipelineError(`job ${jobId}: finalize part ${key} is missing`, { code: ErrorCode.notFound });
    const part = JSON.parse(new TextDecoder().decode(body)) as SegmentSummary;
    summary.merge(parse(SummaryState, part.state, `finalize part ${key}`, PipelineError));
    if (part.errors) errors.push(segmentPartKey(jobId, segment, 'errors'));
    if (part.batch) batch.push(segmentPartKey(jobId, segment, 'batch'));
  }
  const ndjson = { contentType: 'application/x-ndjson' };
  const segmentKeys = Array.from({ length: segments }, (_, k) => jobKeys.finalizeSegment(jobId, k));
  await Promise.all([
    deps.output.compose(jobKeys.results(jobId), segmentKeys, ndjson),
    deps.output.compose(jobKeys.errors(jobId), errors, ndjson),
    job.options.openaiBatchOutput === true
      ? deps.output.compose(jobKeys.openaiBatch(jobId), batch, ndjson)
      : Promise.resolve(),
  ]);
  return summary;
}

/**
 * The result files of a job (chunk files), file after file, each read whole and its lines checked to be
 * ResultLines (see `readResultBatch`); later files are fetched while one is parsed, within
 * `FINALIZE_READ_AHEAD` (files in flight, bytes read and not yet parsed), so the reads' latency overlaps.
 * A missing file or a line that is not a ResultLine is a bug: throws.
 */
export async function* readResultFilesAhead(
  deps: Pick<PipelineDeps, 'output'>,
  jobId: string,
  keys: readonly string[],
  readAhead: { readonly files: number; readonly bytes: number } = FINALIZE_READ_AHEAD,
): AsyncGenerator<ResultBatch> {
  const pending: Promise<Uint8Array | null>[] = [];
  let next = 0;
  /** Bytes of files read and not yet parsed. */
  let buffered = 0;
  const fill = (): void => {
    while (pending.length < readAhead.files && next < keys.length && buffered < readAhead.bytes) {
      const fetched = readWhole(deps, keys[next] ?? '').then((body) => {
        buffered += body?.length ?? 0;
        return body;
      });
      fetched.catch(() => undefined); // awaited in order below; no unhandled rejection meanwhile
      pending.push(fetched);
      next += 1;
    }
  };
  fill();
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index] ?? '';
    const body = await pending.shift();
    buffered -= body?.length ?? 0;
    fill();
    if (body === null || body === undefined)
      throw new PipelineError(`job ${jobId}: result file ${key} is missing`, { code: ErrorCode.notFound });
    yield await readResultBatch(body, jobId, key);
  }
}

/** An object's bytes, read as a stream (as every read of a job's outputs), joined once. */
async function readWhole(deps: Pick<PipelineDeps, 'output'>, key: string): Promise<Uint8Array | null> {
  const stream = await deps.output.stream(key);
  if (stream === null) return null;
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const part of stream) {
    parts.push(part);
    length += part.length;
  }
  return parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, length);
}

/** Thrown into a finalize pass that reached its stop time; the pass's uploads are aborted. */
export class FinalizeOutOfTimeError extends PipelineError {
  override name = 'FinalizeOutOfTimeError';
}

/** `lines`, throwing {@link FinalizeOutOfTimeError} once the clock reaches `stopAt`. */
export async function* untilStopTime<T>(
  lines: AsyncIterable<T>,
  clock: PipelineDeps['clock'],
  stopAt: number,
): AsyncGenerator<T> {
  for await (const line of lines) {
    if (clock.now() >= stopAt) throw new FinalizeOutOfTimeError('finalize pass out of time');
    yield line;
  }
}
