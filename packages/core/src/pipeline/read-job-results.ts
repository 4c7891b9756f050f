import { ErrorCode } from '../errors/error-code';
import type { JobRecord } from '../job/job';
import { jobKeys } from '../job/job-keys';
import { readJsonlLines } from '../jsonl/jsonl-reader';
import type { ResultLine } from '../results/result-line';
import type { PipelineDeps } from './pipeline-deps';
import { PipelineError } from './pipeline-error';
import { parseStoredResult } from './result-file-batch';
import { createResultObjectReader } from './result-objects';

/** One result line as stored: its JSON text and the parsed value. */
export interface StoredResultLine {
  readonly text: string;
  readonly result: ResultLine;
}

/**
 * Every result line of a finished job in input order, read chunk file by chunk file: memory is bounded by
 * one line, never the job. A missing chunk file or a line that is not a ResultLine is a bug: throws.
 */
export function readJobResults(
  deps: Pick<PipelineDeps, 'output'>,
  job: Pick<JobRecord, 'jobId' | 'chunksTotal'>,
): AsyncGenerator<StoredResultLine> {
  const chunks = job.chunksTotal ?? 0;
  const keys = Array.from({ length: chunks }, (_, index) => jobKeys.chunkResults(job.jobId, index));
  return readResultFiles(deps, job.jobId, keys);
}

/**
 * The result lines of JSONL files of a job (chunk files, finalize segments), file after file, each line
 * checked to be a ResultLine. A missing file or a line that is not a ResultLine is a bug: throws.
 */
export async function* readResultFiles(
  deps: Pick<PipelineDeps, 'output'>,
  jobId: string,
  keys: Iterable<string>,
): AsyncGenerator<StoredResultLine> {
  for (const key of keys) {
    const stream = await deps.output.stream(key);
    if (stream === null)
      throw new PipelineError(`job ${jobId}: result file ${key} is missing`, {
        code: ErrorCode.notFound,
      });
    for await (const record of readJsonlLines(stream, { maxLineBytes: Number.MAX_SAFE_INTEGER })) {
      if (record.kind === 'error')
        throw new PipelineError(`job ${jobId}: ${key} line ${record.lineNumber}: ${record.error.message}`);
      const what = `result line ${record.lineNumber} of ${key}`;
      yield { text: record.text, result: parseStoredResult(record.text, what) };
    }
  }
}

/**
 * The lines recorded so far, in input order, read from their result objects (each once): a failed job
 * may have incomplete chunks, so there are no chunk files to merge. A missing object (or line) is
 * logged and left out. Memory is bounded by one chunk record and its objects.
 */
export async function* readRecordedResults(
  deps: Pick<PipelineDeps, 'jobs' | 'output' | 'log'>,
  jobId: string,
): AsyncGenerator<StoredResultLine> {
  for await (const chunk of deps.jobs.listChunks(jobId)) {
    const reader = createResultObjectReader(deps.output);
    for (const line of chunk.lines) {
      const recorded = chunk.recorded[String(line)];
      if (recorded === undefined) continue;
      const text = await reader.text(recorded.resultKey, line);
      if (text === null) {
        deps.log.error('recorded result object is missing; leaving the line out', {
          jobId,
          chunk: chunk.index,
          line,
          resultKey: recorded.resultKey,
        });
        continue;
      }
      yield {
        text,
        result: parseStoredResult(text, `result object ${recorded.resultKey}`),
      };
    }
  }
}
