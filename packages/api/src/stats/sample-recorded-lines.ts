import { type JobRecord, type JobStore, type ObjectStore, ResultLine } from '@thinkbatch/core';

/** How much of a running job one sample reads. */
export interface RecordedSampleLimits {
  /** Chunk records read, spread evenly over the job's chunks. */
  readonly chunks: number;
  /** Result objects read in all. */
  readonly lines: number;
}

interface Deps {
  readonly jobs: Pick<JobStore, 'getChunk'>;
  readonly output: Pick<ObjectStore, 'get'>;
}

/** Up to `count` chunk indices spread evenly over `total` chunks. */
export function spreadIndices(total: number, count: number): number[] {
  if (total <= count) return Array.from({ length: total }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * total) / count));
}

/**
 * The recorded lines of a running job, from a few chunks spread over it: at most `limits.chunks` chunk
 * reads and `limits.lines` object reads, whatever the job's size. Lines whose object is gone (the job
 * just finished and deleted them) are skipped.
 */
export async function sampleRecordedLines(
  deps: Deps,
  job: JobRecord,
  limits: RecordedSampleLimits,
): Promise<ResultLine[]> {
  const total = job.chunksTotal ?? limits.chunks;
  const chunks = await Promise.all(
    spreadIndices(total, limits.chunks).map((index) => deps.jobs.getChunk(job.jobId, index)),
  );
  const perChunk = Math.max(1, Math.ceil(limits.lines / Math.max(1, chunks.length)));
  const keys = chunks
    .flatMap((chunk) => (chunk === null ? [] : Object.values(chunk.recorded).slice(0, perChunk)))
    .slice(0, limits.lines)
    .map((recorded) => recorded.resultKey);
  const bodies = await Promise.all(keys.map((key) => deps.output.get(key)));
  const lines: ResultLine[] = [];
  for (const body of bodies) {
    if (body === null) continue;
    const parsed = ResultLine.safeParse(JSON.parse(new TextDecoder().decode(body)));
    if (parsed.success) lines.push(parsed.data);
  }
  return lines;
}
