import { ErrorCode } from '../errors/error-code';
import type { ChunkRecord } from '../job/chunk';
import { isChunkComplete } from '../job/chunk';
import type { JobRecord } from '../job/job';
import { isTerminalJobStatus } from '../job/job';
import { jobKeys } from '../job/job-keys';
import type { PipelineDeps } from './pipeline-deps';
import { PipelineError } from './pipeline-error';
import { createResultObjectReader, type KnownResults } from './result-objects';

/**
 * When every line of a chunk is recorded: write the chunk's merged results (input order), count the
 * chunk into the job once, and ask for finalization when it was the last. Every step is idempotent, so
 * any delivery that finds the chunk complete may run it again after a crash.
 */
export async function settleChunk(
  deps: Pick<PipelineDeps, 'output' | 'jobs' | 'queue' | 'clock' | 'log'>,
  chunk: ChunkRecord,
  known: KnownResults = NO_KNOWN_RESULTS,
): Promise<JobRecord | null> {
  if (!isChunkComplete(chunk)) return null;
  await writeChunkResults(deps, chunk, known);
  // Lines recorded on other paths (dead letters, cancels, a pusher that died) reach the job counter here.
  await deps.jobs.pushChunkProgress(chunk.jobId, chunk.index);
  // The chunk is complete, so final: the store counts it as it is, without reading it again.
  const job = await deps.jobs.completeChunk(chunk.jobId, chunk.index, deps.clock.now(), chunk);
  await requestFinalizeWhenDone(deps, job);
  return job;
}

const NO_KNOWN_RESULTS: KnownResults = new Map();

/**
 * Concatenate the chunk's recorded results, in line order, into one JSONL object; lines of objects in
 * `known` are taken from memory, the others read (lines another delivery recorded), each object once.
 */
async function writeChunkResults(
  deps: Pick<PipelineDeps, 'output'>,
  chunk: ChunkRecord,
  known: KnownResults,
): Promise<void> {
  const encoder = new TextEncoder();
  const reader = createResultObjectReader(deps.output, known);
  async function* lines(): AsyncGenerator<Uint8Array> {
    for (const line of chunk.lines) {
      const recorded = chunk.recorded[String(line)];
      if (recorded === undefined)
        throw new PipelineError(`chunk ${chunk.index}: line ${line} is not recorded`);
      const text = await reader.text(recorded.resultKey, line);
      if (text === null)
        throw new PipelineError(
          `chunk ${chunk.index}: the result of line ${line} is missing from ${recorded.resultKey}`,
          { code: ErrorCode.notFound },
        );
      yield encoder.encode(`${text}\n`);
    }
  }
  await deps.output.putStream(jobKeys.chunkResults(chunk.jobId, chunk.index), lines(), {
    contentType: 'application/x-ndjson',
  });
}

/** Send a finalize message when every chunk is done. Duplicates are harmless: one finalizer is granted. */
export async function requestFinalizeWhenDone(
  deps: Pick<PipelineDeps, 'queue' | 'log'>,
  job: JobRecord,
): Promise<void> {
  if (job.chunksTotal === null || job.chunksDone < job.chunksTotal) return;
  if (job.status === 'finalizing' || isTerminalJobStatus(job.status)) return;
  deps.log.info('all chunks done; requesting finalize', { jobId: job.jobId, chunks: job.chunksTotal });
  await deps.queue.send([{ type: 'finalize_job', jobId: job.jobId }]);
}
