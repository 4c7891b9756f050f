import type { JobRecord } from '../job/job';
import { jobKeys } from '../job/job-keys';
import { GzipInputError, gunzipBounded, peekGzip } from '../jsonl/gzip-input';
import type { PipelineDeps } from './pipeline-deps';
import { PipelineError } from './pipeline-error';

/** Job-level failure codes of an input that cannot run at all (see README, "When a job fails"). */
export const INPUT_FAILURE_CODES = {
  /** No non-blank line: an empty file, or only blank lines. */
  empty: 'input_empty',
  /** Plainly not JSONL (binary, plain text), or gzip that does not decompress. */
  notJsonl: 'input_not_jsonl',
  /** JSON lines, but not one of the first 100 is a request (a data set in another schema). */
  noRequests: 'input_no_requests',
  /** More lines than a job holds, or a gzip input that decompresses to more than the limit. */
  tooLarge: 'input_too_large',
} as const;

/** Where fan-out reads the lines from, and where workers will. */
export type FanOutSource =
  | {
      readonly kind: 'plain';
      readonly bytes: AsyncIterable<Uint8Array>;
    }
  | {
      readonly kind: 'decoded';
      readonly bytes: AsyncIterable<Uint8Array>;
      /** The decompressed copy workers read by byte range (output bucket, job prefix). */
      readonly decodedInput: { readonly key: string; readonly etag: string };
    }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string };

/**
 * The bytes of a job's input as lines are read from them. A gzip upload (by its magic bytes, whatever
 * its name) is decompressed once, streaming, into `jobs/<id>/input/decoded.jsonl` in the output bucket:
 * workers fetch lines by byte range, which a compressed file cannot serve. A re-run of fan-out finds the
 * copy (decompression is deterministic, the upload is pinned) and reads it again without rewriting it,
 * so the etag the work items carry stays valid.
 */
export async function openFanOutSource(
  deps: PipelineDeps,
  job: JobRecord,
  upload: AsyncIterable<Uint8Array>,
): Promise<FanOutSource> {
  const peeked = await peekGzip(upload);
  if (!peeked.gzip) return { kind: 'plain', bytes: peeked.bytes };
  const key = jobKeys.decodedInput(job.jobId);
  let info = await deps.output.head(key);
  if (info === null) {
    const gunzipping = gunzipBounded(peeked.bytes, deps.config.maxDecompressedBytes);
    try {
      await deps.output.putStream(key, gunzipping.bytes, { contentType: 'application/x-ndjson' });
    } catch (error) {
      const failure = gunzipping.failure() ?? (error instanceof GzipInputError ? error : null);
      if (failure === null) throw error;
      const code =
        failure.reason === 'too_large' ? INPUT_FAILURE_CODES.tooLarge : INPUT_FAILURE_CODES.notJsonl;
      return { kind: 'failed', code, message: failure.message };
    }
    info = await deps.output.head(key);
    if (info === null) throw new PipelineError(`the decompressed input ${key} vanished after it was written`);
    deps.log.info('gzip input decompressed', { jobId: job.jobId, key, bytes: info.size });
  }
  const bytes = await deps.output.stream(key, { ifMatch: info.etag });
  if (bytes === null) throw new PipelineError(`the decompressed input ${key} vanished before it was read`);
  return { kind: 'decoded', bytes, decodedInput: { key, etag: info.etag } };
}
