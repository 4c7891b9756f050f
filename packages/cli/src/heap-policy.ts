/**
 * The memory policy of the process that hosts the embedded runtime (emulators, workers, SDK clients): Node
 * flags that keep its heap small without slowing it down. Measured in BENCHMARKS.md
 * (`scale-memory-notes`): without a cap V8 lets the old space grow to ~350 MiB of mostly garbage; a cap
 * alone also shrinks the young generation (V8 sizes it from the heap limit) so that short-lived request
 * objects are promoted and the process crawls — the semi-space is therefore set with it.
 */

/** One Node flag of the policy: its name and the value thinkbatch sets. */
export interface NodeFlag {
  readonly name: `--${string}`;
  readonly value: string;
}

/** The heap flags of the embedded runtime's process. */
export const EMBEDDED_RUNTIME_NODE_FLAGS: readonly NodeFlag[] = [
  /** The old space: the heap's live data peaks near 80 MiB at 5,000 and 100,000 lines (`heap-peaks.ts`). */
  { name: '--max-old-space-size', value: '192' },
  /** The young generation as large as V8's default for big heaps: short-lived objects die young. */
  { name: '--max-semi-space-size', value: '16' },
];

/** Environment of the relaunched process: glibc's malloc arenas (one per thread by default) capped. */
export const EMBEDDED_RUNTIME_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** Whether `flag` is set among `args` (`--flag=value`, `--flag value`, or V8's `--flag_name` spelling). */
function setIn(args: readonly string[], flag: NodeFlag): boolean {
  const spellings = [flag.name, `--${flag.name.slice(2).replaceAll('-', '_')}`];
  return args.some((arg) => spellings.some((name) => arg === name || arg.startsWith(`${name}=`)));
}

/** Split `NODE_OPTIONS` on whitespace (quoted values do not occur in the flags looked for). */
const nodeOptionsArgs = (nodeOptions: string | undefined): string[] =>
  (nodeOptions ?? '').split(/\s+/).filter((arg) => arg !== '');

/**
 * The policy's flags this process still lacks, as arguments (`--name=value`): none that the user set —
 * in `NODE_OPTIONS` or on Node's command line (`execArgv`) — so the user's choice always wins.
 */
export function missingHeapFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const present = [...execArgv, ...nodeOptionsArgs(nodeOptions)];
  return EMBEDDED_RUNTIME_NODE_FLAGS.filter((flag) => !setIn(present, flag)).map(
    (flag) => `${flag.name}=${flag.value}`,
  );
}

/** The policy's environment variables the user has not set. */
export function missingHeapEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(EMBEDDED_RUNTIME_ENV).filter(([name]) => env[name] === undefined));
}
