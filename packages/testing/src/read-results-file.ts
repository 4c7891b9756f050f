import { type JobRecord, type ObjectStore, ResultLine } from '@thinkbatch/core';

/** A finished job's `results.jsonl`, parsed; read whole, so for the small jobs of tests. */
export async function readResultsFile(
  output: ObjectStore,
  job: Pick<JobRecord, 'jobId' | 'status' | 'outputs'>,
): Promise<ResultLine[]> {
  if (job.outputs === null) throw new Error(`job ${job.jobId} has no outputs (${job.status})`);
  const body = await output.get(job.outputs.results);
  if (body === null) throw new Error(`results of job ${job.jobId} are missing`);
  const text = new TextDecoder().decode(body);
  return text === ''
    ? []
    : text
        .trimEnd()
        .split('\n')
        .map((line) => ResultLine.parse(JSON.parse(line)));
}
