import { ErrorCode } from '../errors/error-code';
import { ThinkbatchError } from '../errors/thinkbatch-error';
import { STORAGE } from '../settings';
import { isValidJobId } from './job-id';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * `jobs/<jobId>/`, for a valid job id only: every key of a job is derived here, so an id that could
 * leave its prefix (`..`, `/`, control characters) never becomes a key — a bug, whoever passed it.
 */
function rootOf(jobId: string): string {
  if (!isValidJobId(jobId))
    throw new ThinkbatchError(`not a job id: ${JSON.stringify(jobId.slice(0, 80))}`, {
      code: ErrorCode.invalidValue,
    });
  return `${STORAGE.jobsPrefix}${jobId}/`;
}

/**
 * Object keys (output bucket) of everything a job writes, all under `jobs/<jobId>/` of a valid id.
 * Zero-padded so listing order is numeric order.
 */
export const jobKeys = {
  root: (jobId: string): string => rootOf(jobId),
  /** One finished line; `token` makes concurrent writers of the same line write different objects. */
  lineResult: (jobId: string, chunk: number, line: number, token: string): string =>
    `${rootOf(jobId)}lines/${pad(chunk, 8)}/${pad(line, 10)}.${token}.json`,
  /**
   * The results of a group of a chunk's lines recorded together (see `resultObjectBody`), named by its
   * first line; `token` makes concurrent writers write different objects.
   */
  groupResults: (jobId: string, chunk: number, firstLine: number, token: string): string =>
    `${rootOf(jobId)}lines/${pad(chunk, 8)}/${pad(firstLine, 10)}.${token}.jsonl`,
  /** Prefix of every stored result object of one chunk (finds results orphaned by a crash). */
  chunkLinesPrefix: (jobId: string, chunk: number): string => `${rootOf(jobId)}lines/${pad(chunk, 8)}/`,
  /** Prefix of every stored result of one line (finds results orphaned by a crash). */
  lineResultPrefix: (jobId: string, chunk: number, line: number): string =>
    `${rootOf(jobId)}lines/${pad(chunk, 8)}/${pad(line, 10)}.`,
  /** Everything under which per-line results live (deleted once the job is finished). */
  linesPrefix: (jobId: string): string => `${rootOf(jobId)}lines/`,
  /** Everything under which chunk files live (deleted once the job is finished). */
  chunksPrefix: (jobId: string): string => `${rootOf(jobId)}chunks/`,
  /** Everything under which a finalize in segments keeps its segment files (deleted once the job is finished). */
  finalizePrefix: (jobId: string): string => `${rootOf(jobId)}finalize/`,
  /** One finalize segment: the result lines of a run of chunks, in input order. */
  finalizeSegment: (jobId: string, segment: number): string =>
    `${rootOf(jobId)}finalize/${pad(segment, 6)}.jsonl`,
  /** A complete chunk's result lines, in input order. */
  chunkResults: (jobId: string, chunk: number): string => `${rootOf(jobId)}chunks/${pad(chunk, 8)}.jsonl`,
  /** Everything a job keeps of its input (deleted once the job is finished). */
  inputCopyPrefix: (jobId: string): string => `${rootOf(jobId)}input/`,
  /** The decompressed copy of a gzip upload, which workers read lines from by byte range. */
  decodedInput: (jobId: string): string => `${rootOf(jobId)}input/decoded.jsonl`,
  results: (jobId: string): string => `${rootOf(jobId)}results.jsonl`,
  errors: (jobId: string): string => `${rootOf(jobId)}errors.jsonl`,
  summary: (jobId: string): string => `${rootOf(jobId)}summary.json`,
  openaiBatch: (jobId: string): string => `${rootOf(jobId)}openai-batch-output.jsonl`,
} as const;
