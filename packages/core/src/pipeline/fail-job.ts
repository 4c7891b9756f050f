import type { JobError, JobOutputs, JobRecord } from '../job/job';
import { jobKeys } from '../job/job-keys';
import { createSummaryBuilder } from '../results/job-summary';
import { toOpenAIBatchOutputLine } from '../results/openai-batch-output';
import { ResultLine } from '../results/result-line';
import { removeIntermediates } from './finalize-job';
import type { PipelineDeps } from './pipeline-deps';
import type { StoredResultLine } from './read-job-results';

/** Job-level failure codes of the steps that keep a job from staying unfinished. */
export const JOB_FAILURE_CODES = {
  /** The work queue refused fan-out's work for good, or fan-out threw on every async attempt. */
  fanOutFailed: 'fan_out_failed',
  /** Fan-out made no progress, even after the sweeper resumed it `maxFanOutResumes` times. */
  fanOutStalled: 'fan_out_stalled',
} as const;

const encoder = new TextEncoder();

/**
 * End a job `failed` with a reason its status shows, and leave outputs of what it did: `results.jsonl`
 * with every line recorded before it failed (input order), `errors.jsonl`, `summary.json` (status
 * `failed`, the error, the counts of those lines) and, when asked, the OpenAI Batch file. Lines without
 * a result are not in them: they never ran. Workers drop the work of a terminal job, so nothing is paid
 * for after this. Idempotent: a failed job without outputs (a crash in between) gets them on a re-run;
 * a job that is terminal otherwise, or finalizing, is left alone.
 */
export async function failJob(deps: PipelineDeps, jobId: string, error: JobError): Promise<JobRecord | null> {
  const now = deps.clock.now();
  let job = await deps.jobs.transitionJob(jobId, {
    from: ['validating', 'queued', 'running'],
    to: 'failed',
    now,
    error,
  });
  if (job === null) {
    job = await deps.jobs.getJob(jobId);
    if (job === null || job.status !== 'failed' || job.outputs !== null) return job;
  } else {
    deps.log.error('job failed', { jobId, code: error.code, message: error.message });
  }
  return writeFailureOutputs(deps, job);
}

async function writeFailureOutputs(deps: PipelineDeps, job: JobRecord): Promise<JobRecord> {
  const { jobId } = job;
  const builder = createSummaryBuilder();
  await deps.output.putStream(
    jobKeys.results(jobId),
    (async function* () {
      for await (const { text, result } of recordedResults(deps, jobId)) {
        builder.add(result);
        yield encoder.encode(`${text}\n`);
      }
    })(),
    { contentType: 'application/x-ndjson' },
  );
  await deps.output.putStream(
    jobKeys.errors(jobId),
    (async function* () {
      for await (const { text, result } of recordedResults(deps, jobId)) {
        if (result.status !== 'succeeded') yield encoder.encode(`${text}\n`);
      }
    })(),
    { contentType: 'application/x-ndjson' },
  );
  const openaiBatch = job.options.openaiBatchOutput === true ? jobKeys.openaiBatch(jobId) : null;
  if (openaiBatch !== null) {
    await deps.output.putStream(
      openaiBatch,
      (async function* () {
        for await (const { result } of recordedResults(deps, jobId)) {
          const line = toOpenAIBatchOutputLine(result, {
            batchRequestIdPrefix: jobId,
            createdAt: job.createdAt,
          });
          yield encoder.encode(`${JSON.stringify(line)}\n`);
        }
      })(),
      { contentType: 'application/x-ndjson' },
    );
  }
  const summary = builder.build({
    jobId,
    status: 'failed',
    startedAt: job.startedAt ?? job.createdAt,
    finishedAt: job.finishedAt ?? deps.clock.now(),
    error: job.error,
    prices: deps.config.prices,
  });
  await deps.output.put(jobKeys.summary(jobId), `${JSON.stringify(summary, null, 2)}\n`, {
    contentType: 'application/json',
  });
  const outputs: JobOutputs = {
    results: jobKeys.results(jobId),
    errors: jobKeys.errors(jobId),
    summary: jobKeys.summary(jobId),
    openaiBatch,
  };
  const done = await deps.jobs.transitionJob(jobId, {
    from: ['failed'],
    to: 'failed',
    now: job.finishedAt ?? deps.clock.now(),
    outputs,
  });
  await removeIntermediates(deps, jobId);
  deps.log.info('failed job left its outputs', { jobId, counts: summary.counts });
  return done ?? { ...job, outputs };
}

/**
 * The lines recorded so far, in input order, read from their result objects (a failed job may have
 * incomplete chunks, so there are no chunk files to merge). Memory is bounded by one chunk record.
 */
async function* recordedResults(deps: PipelineDeps, jobId: string): AsyncGenerator<StoredResultLine> {
  const decoder = new TextDecoder();
  for await (const chunk of deps.jobs.listChunks(jobId)) {
    for (const line of chunk.lines) {
      const recorded = chunk.recorded[String(line)];
      if (recorded === undefined) continue;
      const body = await deps.output.get(recorded.resultKey);
      if (body === null) {
        deps.log.error('recorded result object is missing; leaving the line out', {
          jobId,
          chunk: chunk.index,
          line,
          resultKey: recorded.resultKey,
        });
        continue;
      }
      const text = decoder.decode(body);
      yield { text, result: ResultLine.parse(JSON.parse(text)) };
    }
  }
}
