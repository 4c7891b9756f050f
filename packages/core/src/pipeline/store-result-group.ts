import { jobKeys } from '../job/job-keys';
import { isPermanentObjectStoreFailure } from '../ports/object-store';
import type { ResultLine } from '../results/result-line';
import type { PipelineDeps } from './pipeline-deps';
import { resultObjectBody } from './result-objects';

/** One result object written: the results it holds, in order, and its key. */
export interface StoredResults {
  readonly results: readonly ResultLine[];
  readonly resultKey: string;
}

/**
 * Write finished lines' results as one object (`jobKeys.groupResults`). When the store refuses it for
 * good (`isPermanentObjectStoreFailure`: too large, refused — it would refuse every redelivery too, each
 * after paying the endpoint again), a group is split and each line stored alone; a line refused alone
 * ends `failed` with `result_not_stored` (no answer, no usage: the answer was paid and is not kept), as
 * a tiny result that is stored instead. Any other failure, or a refusal of the tiny result itself, throws
 * (the work item fails and comes back, as before). Lines come back in one or more objects, in order.
 */
export async function storeResultGroup(
  deps: Pick<PipelineDeps, 'output' | 'newToken' | 'log'>,
  jobId: string,
  chunk: number,
  results: readonly ResultLine[],
): Promise<StoredResults[]> {
  const put = async (lines: readonly ResultLine[]): Promise<StoredResults> => {
    const resultKey = jobKeys.groupResults(jobId, chunk, lines[0]?.line ?? 0, deps.newToken());
    await deps.output.put(resultKey, resultObjectBody(lines), { contentType: 'application/x-ndjson' });
    return { results: lines, resultKey };
  };
  try {
    return [await put(results)];
  } catch (error) {
    if (!isPermanentObjectStoreFailure(error)) throw error;
    if (results.length > 1) {
      const parts: StoredResults[] = [];
      for (const result of results) parts.push(...(await storeResultGroup(deps, jobId, chunk, [result])));
      return parts;
    }
    const [result] = results;
    if (result === undefined) throw error;
    deps.log.error('the object store refused a line result for good; the line fails', {
      jobId,
      chunk,
      line: result.line,
      error: error.message,
    });
    return [await put([notStoredResult(result, error.message)])];
  }
}

/** The line ended `failed` because its result could not be stored; what it cost is in `attempts`. */
export function notStoredResult(result: ResultLine, reason: string): ResultLine {
  return {
    ...result,
    status: 'failed',
    reasoning: null,
    answer: null,
    finish_reason: null,
    usage: null,
    error: {
      code: 'result_not_stored',
      message: `the object store refused this line's result for good, so its answer is not kept (${reason.slice(0, 300)})`,
    },
  };
}
