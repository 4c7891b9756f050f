import type { JobRecord } from '../job/job';
import { jobKeys } from '../job/job-keys';
import type { PipelineDeps } from './pipeline-deps';
import { PipelineError } from './pipeline-error';
import { readResultFiles, type StoredResultLine } from './read-job-results';

/** Segments of a job of `chunks` chunks, `segmentChunks` chunks each (the last may be shorter). */
export function segmentCount(chunks: number, segmentChunks: number): number {
  return Math.ceil(chunks / segmentChunks);
}

/** How writing the missing segments ended. */
export type SegmentsOutcome =
  | { readonly kind: 'done'; readonly written: number }
  | { readonly kind: 'out_of_time'; readonly written: number; readonly left: number };

/**
 * Write the finalize segments of a job that are not written yet, in order, while `stopAt` (epoch ms) has
 * not passed: segment k holds the bytes of chunk files k·S … (k+1)·S − 1, concatenated (each chunk file
 * ends its lines with a newline). A segment object exists only once complete (a multipart upload), so a
 * segment found is done, and a later invocation resumes from the first one missing.
 */
export async function writeMissingSegments(
  deps: Pick<PipelineDeps, 'output' | 'clock'>,
  job: Pick<JobRecord, 'jobId' | 'chunksTotal'>,
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
    await deps.output.putStream(key, chunkBytes(deps, job.jobId, from, to), {
      contentType: 'application/x-ndjson',
    });
    written += 1;
  }
  return { kind: 'done', written };
}

async function* chunkBytes(
  deps: Pick<PipelineDeps, 'output'>,
  jobId: string,
  from: number,
  to: number,
): AsyncGenerator<Uint8Array> {
  for (let index = from; index < to; index += 1) {
    const key = jobKeys.chunkResults(jobId, index);
    const stream = await deps.output.stream(key);
    if (stream === null) throw new PipelineError(`job ${jobId}: chunk results ${key} are missing`);
    yield* stream;
  }
}

/** Every result line of a job from its segment files, in input order. */
export function readSegmentResults(
  deps: Pick<PipelineDeps, 'output'>,
  job: Pick<JobRecord, 'jobId' | 'chunksTotal'>,
  segmentChunks: number,
): AsyncGenerator<StoredResultLine> {
  const segments = segmentCount(job.chunksTotal ?? 0, segmentChunks);
  const keys = Array.from({ length: segments }, (_, k) => jobKeys.finalizeSegment(job.jobId, k));
  return readResultFiles(deps, job.jobId, keys);
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
