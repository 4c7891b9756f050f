import { STORAGE } from '../settings';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Object keys (output bucket) of everything a job writes. Zero-padded so listing order is numeric order. */
export const jobKeys = {
  root: (jobId: string): string => `${STORAGE.jobsPrefix}${jobId}/`,
  /** One finished line; `token` makes concurrent writers of the same line write different objects. */
  lineResult: (jobId: string, chunk: number, line: number, token: string): string =>
    `${STORAGE.jobsPrefix}${jobId}/lines/${pad(chunk, 8)}/${pad(line, 10)}.${token}.json`,
  /** Prefix of every stored result of one line (finds results orphaned by a crash). */
  lineResultPrefix: (jobId: string, chunk: number, line: number): string =>
    `${STORAGE.jobsPrefix}${jobId}/lines/${pad(chunk, 8)}/${pad(line, 10)}.`,
  /** Everything under which per-line results live (deleted once the job is finished). */
  linesPrefix: (jobId: string): string => `${STORAGE.jobsPrefix}${jobId}/lines/`,
  /** Everything under which chunk files live (deleted once the job is finished). */
  chunksPrefix: (jobId: string): string => `${STORAGE.jobsPrefix}${jobId}/chunks/`,
  /** A complete chunk's result lines, in input order. */
  chunkResults: (jobId: string, chunk: number): string =>
    `${STORAGE.jobsPrefix}${jobId}/chunks/${pad(chunk, 8)}.jsonl`,
  /** Everything a job keeps of its input (deleted once the job is finished). */
  inputCopyPrefix: (jobId: string): string => `${STORAGE.jobsPrefix}${jobId}/input/`,
  /** The decompressed copy of a gzip upload, which workers read lines from by byte range. */
  decodedInput: (jobId: string): string => `${STORAGE.jobsPrefix}${jobId}/input/decoded.jsonl`,
  results: (jobId: string): string => `${STORAGE.jobsPrefix}${jobId}/results.jsonl`,
  errors: (jobId: string): string => `${STORAGE.jobsPrefix}${jobId}/errors.jsonl`,
  summary: (jobId: string): string => `${STORAGE.jobsPrefix}${jobId}/summary.json`,
  openaiBatch: (jobId: string): string => `${STORAGE.jobsPrefix}${jobId}/openai-batch-output.jsonl`,
} as const;
