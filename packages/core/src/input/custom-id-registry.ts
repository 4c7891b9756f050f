import { ThinkbatchError } from '../errors/thinkbatch-error';
import type { LineError } from '../results/result-line';
import { createOffHeapStringMap } from './off-heap-string-map';

/** Outcome of claiming a custom_id for a line. */
export type CustomIdClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'duplicate'; readonly firstLine: number; readonly error: LineError };

/** Remembers which line first used each custom_id of one job. */
export interface CustomIdRegistry {
  /**
   * Claim `customId` for `line`. The first line to claim an id keeps it; a later line gets a
   * `duplicate_custom_id` error. Claiming the same id again for the same line is a no-op (`claimed`).
   * Lines must be claimed in ascending order, as fan-out reads them; a lower line number is a bug: throws.
   */
  claim(customId: string, line: number): CustomIdClaim;
  /** Distinct ids claimed so far. */
  readonly size: number;
}

const DEFAULT_ID_PATTERN = /^line-\d+$/;

/**
 * Create an empty registry. Memory grows with the distinct ids of the job, outside V8's heap (an
 * `OffHeapStringMap`: the id's UTF-16 code units plus ~24 bytes each), so a job of millions of lines fits
 * the embedded runtime's heap cap. Default
 * ids (`line-<n>`, given to lines without a `custom_id`) share the namespace with explicit ids, so an
 * explicit `"line-5"` on line 3 makes a later id-less line 5 a duplicate (and the other way round); the
 * error then says where such ids come from.
 */
export function createCustomIdRegistry(): CustomIdRegistry {
  const firstLineById = createOffHeapStringMap();
  let lastLine = 0;
  return {
    claim(customId, line) {
      if (!Number.isInteger(line) || line < 1) {
        throw new ThinkbatchError(`custom_id registry: line must be a positive integer, got ${line}`);
      }
      if (line < lastLine) {
        throw new ThinkbatchError(`custom_id registry: line ${line} claimed after line ${lastLine}`);
      }
      lastLine = line;
      const firstLine = firstLineById.get(customId);
      if (firstLine === undefined) {
        firstLineById.set(customId, line);
        return { kind: 'claimed' };
      }
      if (firstLine === line) return { kind: 'claimed' };
      const hint = DEFAULT_ID_PATTERN.test(customId)
        ? ' (lines without a custom_id get "line-<n>"; choose ids that cannot collide with those)'
        : '';
      return {
        kind: 'duplicate',
        firstLine,
        error: {
          code: 'duplicate_custom_id',
          message: `line ${line}: custom_id ${JSON.stringify(customId)} already used by line ${firstLine}${hint}`,
        },
      };
    },
    get size() {
      return firstLineById.size;
    },
  };
}
