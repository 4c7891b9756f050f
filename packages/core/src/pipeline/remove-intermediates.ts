import { jobKeys } from '../job/job-keys';
import { segmentPartsPrefix } from './finalize-segments';
import type { PipelineDeps } from './pipeline-deps';

/** DeleteObjects takes at most this many keys. */
const DELETE_BATCH = 1000;

/**
 * Once the outputs are in place and the job is terminal (no finalizer can run again), the per-line
 * results, chunk files, finalize segments and a decompressed input are only copies: delete them so a job leaves its outputs and nothing else.
 */
export async function removeIntermediates(deps: Pick<PipelineDeps, 'output'>, jobId: string): Promise<void> {
  for (const prefix of [
    jobKeys.linesPrefix(jobId),
    jobKeys.chunksPrefix(jobId),
    jobKeys.finalizePrefix(jobId),
    segmentPartsPrefix(jobId),
    jobKeys.inputCopyPrefix(jobId),
  ]) {
    let batch: string[] = [];
    for await (const key of deps.output.list(prefix)) {
      batch.push(key);
      if (batch.length === DELETE_BATCH) {
        await deps.output.delete(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await deps.output.delete(batch);
  }
}
