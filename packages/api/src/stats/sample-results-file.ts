import type { ObjectStore, ResultLine } from '@thinkbatch/core';
import { completeResultLines } from './complete-lines';

/** How much of a results file one sample reads. */
export interface FileSampleLimits {
  /** Windows spread evenly over the file. */
  readonly windows: number;
  /** Bytes per window; a line longer than a window is not sampled. */
  readonly windowBytes: number;
}

/**
 * Result lines from `windows` ranged reads spread evenly over a JSONL file (the whole file when it is no
 * larger than all windows together): at most `windows × windowBytes` bytes read, whatever its size.
 */
export async function sampleResultsFile(
  store: ObjectStore,
  key: string,
  limits: FileSampleLimits,
): Promise<ResultLine[]> {
  const info = await store.head(key);
  if (info === null || info.size === 0) return [];
  const budget = limits.windows * limits.windowBytes;
  if (info.size <= budget) {
    const whole = await store.get(key);
    return whole === null ? [] : completeResultLines(whole, 0);
  }
  const stride = Math.floor(info.size / limits.windows);
  const starts = Array.from({ length: limits.windows }, (_, i) => i * stride);
  const windows = await Promise.all(
    starts.map(async (start) => {
      const range = { start, end: Math.min(info.size, start + limits.windowBytes) };
      const bytes = await store.get(key, { range });
      return bytes === null ? [] : completeResultLines(bytes, start);
    }),
  );
  return windows.flat();
}

/** The first result lines of a JSONL file: one ranged read of at most `bytes`. */
export async function headOfResultsFile(
  store: ObjectStore,
  key: string,
  bytes: number,
): Promise<ResultLine[]> {
  const info = await store.head(key);
  if (info === null || info.size === 0) return [];
  const head = await store.get(key, { range: { start: 0, end: Math.min(info.size, bytes) } });
  return head === null ? [] : completeResultLines(head, 0);
}
