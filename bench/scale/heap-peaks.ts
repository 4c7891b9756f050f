/**
 * The peaks of this process's memory (`process.memoryUsage()`, sampled every `intervalMs`), in MiB: what
 * the V8 heap holds (`heapUsed`), reserves (`heapTotal`), and what lies outside it (`external`,
 * `arrayBuffers`) beside the RSS — to tell a heap cap's effect from memory outside the heap.
 */
export interface HeapPeaks {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

const MiB = 1024 * 1024;

/** Start sampling; `stop()` ends it and returns the peaks. */
export function sampleHeapPeaks(intervalMs = 500): { stop: () => HeapPeaks } {
  const peaks = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
  const sample = (): void => {
    const usage = process.memoryUsage();
    for (const key of Object.keys(peaks) as (keyof HeapPeaks)[])
      peaks[key] = Math.max(peaks[key], usage[key]);
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      const inMiB = (bytes: number): number => Math.round(bytes / MiB);
      return {
        rss: inMiB(peaks.rss),
        heapUsed: inMiB(peaks.heapUsed),
        heapTotal: inMiB(peaks.heapTotal),
        external: inMiB(peaks.external),
        arrayBuffers: inMiB(peaks.arrayBuffers),
      };
    },
  };
}
