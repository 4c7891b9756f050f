import type { JobOutputs, JobRecord } from '../job/job';
import { jobKeys } from '../job/job-keys';
import {
  createSummaryBuilder,
  type JobSummary,
  type SummaryBuilder,
  type SummaryMeta,
} from '../results/job-summary';
import { toOpenAIBatchOutputLine } from '../results/openai-batch-output';
import { type JsonlUpload, startJsonlUpload } from './jsonl-upload';
import type { PipelineDeps } from './pipeline-deps';
import type { StoredResultLine } from './read-job-results';
import type { ResultBatch } from './result-file-batch';

/** What one pass over a job's result lines produced. */
export interface ResultFiles {
  /** Keys of every output, `summary.json` included (see `writeSummary`). */
  readonly outputs: JobOutputs;
  /** Every line counted, ready to build `summary.json`. */
  readonly summary: SummaryBuilder;
}

/**
 * Read a job's result lines once, in input order, into `results.jsonl` (every line as stored),
 * `errors.jsonl` (the lines that did not succeed), `openai-batch-output.jsonl` when the job asked for it,
 * and the summary builder. The files upload side by side while the lines stream through, so memory is
 * bounded by a line and the uploads' parts, never by the job. A failure of the source or of any upload
 * aborts every upload and is thrown.
 */
export function writeResultFiles(
  deps: Pick<PipelineDeps, 'output'>,
  job: Pick<JobRecord, 'jobId' | 'createdAt' | 'options'>,
  results: AsyncIterable<StoredResultLine>,
): Promise<ResultFiles> {
  return writeResultBatches(deps, job, oneLineBatches(results));
}

/** {@link writeResultFiles} of lines that come a file at a time (a file's bytes copied as they are). */
export async function writeResultBatches(
  deps: Pick<PipelineDeps, 'output'>,
  job: Pick<JobRecord, 'jobId' | 'createdAt' | 'options'>,
  batches: AsyncIterable<ResultBatch>,
): Promise<ResultFiles> {
  const { jobId } = job;
  const openaiBatch = job.options.openaiBatchOutput === true ? jobKeys.openaiBatch(jobId) : null;
  const resultsFile = startJsonlUpload(deps.output, jobKeys.results(jobId));
  const errorsFile = startJsonlUpload(deps.output, jobKeys.errors(jobId));
  const batchFile = openaiBatch === null ? null : startJsonlUpload(deps.output, openaiBatch);
  const uploads: JsonlUpload[] = [resultsFile, errorsFile, ...(batchFile === null ? [] : [batchFile])];
  const summary = createSummaryBuilder();
  const batchOptions = { batchRequestIdPrefix: jobId, createdAt: job.createdAt };
  try {
    for await (const { lines, bytes } of batches) {
      for (const { result } of lines) summary.add(result);
      if (bytes !== null) await resultsFile.writeBytes(bytes);
      else for (const { text } of lines) await resultsFile.writeLine(text);
      for (const { text, result } of lines) {
        if (result.status !== 'succeeded') await errorsFile.writeLine(text);
        await batchFile?.writeLine(JSON.stringify(toOpenAIBatchOutputLine(result, batchOptions)));
      }
    }
    await Promise.all(uploads.map((upload) => upload.finish()));
  } catch (error) {
    await Promise.all(uploads.map((upload) => upload.abort(error)));
    throw error;
  }
  return { outputs: resultOutputs(job), summary };
}

async function* oneLineBatches(lines: AsyncIterable<StoredResultLine>): AsyncGenerator<ResultBatch> {
  for await (const line of lines) yield { lines: [line], bytes: null };
}

/** The keys of a job's outputs, `summary.json` included (see `writeSummary`). */
export function resultOutputs(job: Pick<JobRecord, 'jobId' | 'options'>): JobOutputs {
  const { jobId } = job;
  return {
    results: jobKeys.results(jobId),
    errors: jobKeys.errors(jobId),
    summary: jobKeys.summary(jobId),
    openaiBatch: job.options.openaiBatchOutput === true ? jobKeys.openaiBatch(jobId) : null,
  };
}

/** Build `summary.json` from the counted lines, with a cost estimate when prices are configured, and store it. */
export async function writeSummary(
  deps: Pick<PipelineDeps, 'output' | 'config'>,
  builder: SummaryBuilder,
  meta: Omit<SummaryMeta, 'prices'>,
): Promise<JobSummary> {
  const summary = builder.build({ ...meta, prices: deps.config.prices });
  await deps.output.put(jobKeys.summary(meta.jobId), `${JSON.stringify(summary, null, 2)}\n`, {
    contentType: 'application/json',
  });
  return summary;
}
