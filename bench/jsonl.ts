import { readFile } from 'node:fs/promises';

/** The objects of a JSONL file; null when the file does not exist. A broken line throws (a runner bug). */
export async function readJsonl(path: string): Promise<Record<string, unknown>[] | null> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text === null) return null;
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The last line of a process's stdout parsed as JSON (a runner's summary), or null. */
export function lastJsonLine(stdout: string): unknown {
  const last = stdout.trim().split('\n').at(-1);
  if (last === undefined || last === '') return null;
  try {
    return JSON.parse(last) as unknown;
  } catch {
    return null;
  }
}

/** Add one to `counts[key]`. */
export function countInto(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
