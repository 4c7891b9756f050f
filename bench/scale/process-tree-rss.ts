/**
 * Peak resident memory of a process and all its descendants, sampled from /proc (Linux). The sum of the
 * tree's RSS at each sample; the peak over the samples. A child that lives shorter than one interval can
 * be missed, so the interval is short.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Samples a process tree until stopped. */
export interface TreeRssSampler {
  /** Stop sampling; resolves to the peak RSS of the tree in bytes (0 when /proc was not readable). */
  stop(): Promise<number>;
}

const PAGE_BYTES = 4096;

/** Parent pid and RSS (bytes) of every process, from `/proc/<pid>/stat`. */
async function readProcesses(): Promise<Map<number, { ppid: number; rss: number }>> {
  const processes = new Map<number, { ppid: number; rss: number }>();
  const entries = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => null);
        if (stat === null) return;
        // Fields after the command name (which may hold spaces) start after the last ')'.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ppid = Number(fields[1]);
        const rssPages = Number(fields[21]);
        if (Number.isFinite(ppid) && Number.isFinite(rssPages))
          processes.set(Number(entry), { ppid, rss: rssPages * PAGE_BYTES });
      }),
  );
  return processes;
}

/** RSS of `rootPid` and every descendant, in bytes. */
export async function treeRss(rootPid: number): Promise<number> {
  const processes = await readProcesses();
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of processes) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  let total = 0;
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    total += processes.get(pid)?.rss ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Sample the tree under `rootPid` every `intervalMs` (default 100 ms). */
export function sampleTreeRss(rootPid: number, intervalMs = 100): TreeRssSampler {
  let peak = 0;
  let busy: Promise<void> | null = null;
  const sample = (): void => {
    if (busy !== null) return;
    busy = treeRss(rootPid)
      .then((rss) => {
        peak = Math.max(peak, rss);
      })
      .finally(() => {
        busy = null;
      });
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await busy;
      return peak;
    },
  };
}
