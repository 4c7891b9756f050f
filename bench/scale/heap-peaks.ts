/**
 * The peaks of this process's memory (`process.memoryUsage()`, sampled every `intervalMs`), in MiB: what
 * the V8 heap holds (`heapUsed`), reserves (`heapTotal`), and what lies outside it (`external`,
 * `arrayBuffers`) beside the RSS — to tell a heap cap's effect from memory outside the heap. On Linux also
 * the RSS split `/proc/self/status` gives: anonymous memory (the heaps: V8's, malloc's — LevelDB, SQLite,
 * buffers) against file pages (mapped code and files).
 */
import { readFileSync } from 'node:fs';

export interface HeapPeaks {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** Anonymous resident memory (`RssAnon`), 0 where /proc is not readable. */
  readonly rssAnon: number;
  /** Resident file pages (`RssFile`), 0 where /proc is not readable. */
  readonly rssFile: number;
}

/** One sample of the timeline, MiB, `atS` seconds after sampling started. */
export type HeapSample = HeapPeaks & { readonly atS: number };

const MiB = 1024 * 1024;
const KEYS = ['rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers', 'rssAnon', 'rssFile'] as const;

/** `RssAnon` and `RssFile` of /proc/self/status, bytes (0 when not readable). */
function procRss(): { rssAnon: number; rssFile: number } {
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return { rssAnon: 0, rssFile: 0 };
  }
  const kib = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssAnon: kib('RssAnon') * 1024, rssFile: kib('RssFile') * 1024 };
}

/**
 * Start sampling; `stop()` ends it and returns the peaks, and a timeline of one sample every
 * `timelineEveryMs` (to see what grows with the job, not only how high it got).
 */
export function sampleHeapPeaks(
  intervalMs = 500,
  timelineEveryMs = 10_000,
): { stop: () => HeapPeaks; timeline: () => readonly HeapSample[] } {
  const peaks: Record<(typeof KEYS)[number], number> = {
    rss: 0,
    heapUsed: 0,
    heapTotal: 0,
    external: 0,
    arrayBuffers: 0,
    rssAnon: 0,
    rssFile: 0,
  };
  const started = Date.now();
  const timeline: HeapSample[] = [];
  let lastTimelineAt = Number.NEGATIVE_INFINITY;
  const inMiB = (bytes: number): number => Math.round(bytes / MiB);
  const sample = (): void => {
    const usage = { ...process.memoryUsage(), ...procRss() };
    for (const key of KEYS) peaks[key] = Math.max(peaks[key], usage[key]);
    const now = Date.now();
    if (now - lastTimelineAt >= timelineEveryMs) {
      lastTimelineAt = now;
      const point = Object.fromEntries(KEYS.map((key) => [key, inMiB(usage[key])])) as unknown as HeapPeaks;
      timeline.push({ atS: Math.round((now - started) / 1000), ...point });
    }
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return Object.fromEntries(KEYS.map((key) => [key, inMiB(peaks[key])])) as unknown as HeapPeaks;
    },
    timeline: () => timeline,
  };
}
