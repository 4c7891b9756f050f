import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { JobRecord, ObjectStore } from '@thinkbatch/core';

/** Stream a finished job's output files into `outDir`; returns the local paths written. */
export async function downloadOutputs(
  output: ObjectStore,
  job: JobRecord,
  outDir: string,
): Promise<string[]> {
  if (job.outputs === null) return [];
  await mkdir(outDir, { recursive: true });
  const keys = [job.outputs.results, job.outputs.errors, job.outputs.summary, job.outputs.openaiBatch].filter(
    (key): key is string => key !== null,
  );
  const written: string[] = [];
  for (const key of keys) {
    const body = await output.stream(key);
    if (body === null) throw new Error(`output ${key} of job ${job.jobId} is missing`);
    const path = join(outDir, basename(key));
    await pipeline(Readable.from(body), createWriteStream(path));
    written.push(path);
  }
  return written;
}
