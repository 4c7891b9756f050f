import type { ObjectStore } from '../ports/object-store';
import type { ResultLine } from '../results/result-line';

/**
 * A result object holds the result lines of a group of lines of one chunk that were recorded together
 * (one object per group commit, `jobKeys.groupResults`; dead-lettered, invalid and ended lines have one
 * each, `jobKeys.lineResult`): one JSON text per line, newline-separated, no trailing newline — so an
 * object of one line is that line's JSON, as per-line objects always were. A recorded line names its
 * object (`RecordedLine.resultKey`); an object may hold lines recorded elsewhere (a group whose record
 * partly lost a race): readers take only the line they look for.
 */
export function resultObjectBody(results: readonly ResultLine[]): string {
  return results.map((result) => JSON.stringify(result)).join('\n');
}

/** The lines of an object held in memory: the JSON text of each, by line number. */
export type ResultObjectLines = ReadonlyMap<number, string>;

/** The lines of a group object as written (no parse): by line number. */
export function resultObjectLinesOf(results: readonly ResultLine[]): ResultObjectLines {
  return new Map(results.map((result) => [result.line, JSON.stringify(result)]));
}

/**
 * The JSON text of each line of a stored result object, by line number. A text that is not a JSON
 * object with an integer `line` (a partial write) is left out; readers validate what they take.
 */
export function parseResultObject(body: Uint8Array | string): ResultObjectLines {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const lines = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      const number = typeof value === 'object' && value !== null ? Reflect.get(value, 'line') : null;
      if (typeof number === 'number' && Number.isSafeInteger(number) && !lines.has(number))
        lines.set(number, line);
    } catch {
      // a partial write: not a result
    }
  }
  return lines;
}

/**
 * Result objects whose lines the caller holds already, by result key: the groups its delivery stored and
 * recorded itself. A recorded key always names the same bytes, so these need not be read back.
 */
export type KnownResults = ReadonlyMap<string, ResultObjectLines>;

/** Reads recorded lines from their result objects: each object read (and parsed) once per reader. */
export interface ResultObjectReader {
  /** The JSON text of `line` in the object `key`; null when the object is gone or does not hold it. */
  text(key: string, line: number): Promise<string | null>;
}

/**
 * A reader over `output`, taking objects in `known` from memory. Keep one per chunk: it keeps every
 * object it read (a chunk's objects are at most its lines).
 */
export function createResultObjectReader(
  output: Pick<ObjectStore, 'get'>,
  known: KnownResults = new Map(),
): ResultObjectReader {
  const read = new Map<string, Promise<ResultObjectLines | null>>();
  return {
    text: async (key, line) => {
      const held = known.get(key);
      if (held !== undefined) return held.get(line) ?? null;
      let lines = read.get(key);
      if (lines === undefined) {
        lines = output.get(key).then((body) => (body === null ? null : parseResultObject(body)));
        read.set(key, lines);
      }
      return (await lines)?.get(line) ?? null;
    },
  };
}
