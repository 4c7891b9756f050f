import {
  type JobRecord,
  type JobStore,
  type ObjectStore,
  parseResultObject,
  ResultLine,
} from '@thinkbatch/core';

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
  const picked = chunks
    .flatMap((chunk) =>
      chunk === null
        ? []
        : Object.entries(chunk.recorded)
            .slice(0, perChunk)
            .map(([line, recorded]) => ({ key: recorded.resultKey, line: Number(line) })),
    )
    .slice(0, limits.lines);
  // A group's object holds several recorded lines: each object read once.
  const keys = [...new Set(picked.map((p) => p.key))];
  const bodies = await Promise.all(keys.map((key) => deps.output.get(key)));
  const objects = new Map(keys.map((key, i) => [key, bodies[i] ?? null]));
  const parsedObjects = new Map<string, ReturnType<typeof parseResultObject>>();
  const lines: ResultLine[] = [];
  for (const { key, line } of picked) {
    const body = objects.get(key) ?? null;
    if (body === null) continue;
    let object = parsedObjects.get(key);
    if (object === undefined) {
      object = parseResultObject(body);
      parsedObjects.set(key, object);
    }
    const text = object.get(line);
    if (text === undefined) continue;
    const parsed = ResultLine.safeParse(JSON.parse(text));
    if (parsed.success) lines.push(parsed.data);
  }
  return lines;
}
