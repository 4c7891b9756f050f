import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { JobRecord, ObjectStore } from '@thinkbatch/core';

/** What {@link downloadOutputs} wrote, and the output keys the job names that were not there. */
export interface DownloadedOutputs {
  readonly written: readonly string[];
  readonly missing: readonly string[];
}

/**
 * Stream a job's output files into `outDir` — a finished job's, or a failed job's (the lines recorded
 * before it failed). A file the job names but the store does not hold is reported, not fatal, so what
 * exists is always downloaded.
 */
export async function downloadOutputs(
  output: ObjectStore,
  job: JobRecord,
  outDir: string,
): Promise<DownloadedOutputs> {
  if (job.outputs === null) return { written: [], missing: [] };
  await mkdir(outDir, { recursive: true });
  const keys = [job.outputs.results, job.outputs.errors, job.outputs.summary, job.outputs.openaiBatch].filter(
    (key): key is string => key !== null,
  );
  const written: string[] = [];
  const missing: string[] = [];
  for (const key of keys) {
    const body = await output.stream(key);
    if (body === null) {
      missing.push(key);
      continue;
    }
    const path = join(outDir, basename(key));
    await pipeline(Readable.from(body), createWriteStream(path));
    written.push(path);
  }
  return { written, missing };
}
