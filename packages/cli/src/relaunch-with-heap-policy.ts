import { missingHeapEnv, missingHeapFlags } from './heap-policy';

/** What {@link relaunchWithHeapPolicy} reads of the process (injectable for tests). */
export type LaunchedProcess = Pick<NodeJS.Process, 'execPath' | 'execArgv' | 'argv' | 'env'> & {
  readonly execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never;
};

/**
 * Replace this process with the same command under the embedded runtime's heap policy (`heap-policy.ts`),
 * unless it already runs under it. `process.execve` keeps the pid, the standard streams and the parent
 * (signals from a terminal or from `tsx` reach the new image as they would have reached this one), with
 * no second Node process beside it. Where `execve` does not exist (Windows) the command runs as it is.
 * Returns only when nothing was relaunched.
 */
export function relaunchWithHeapPolicy(launched: LaunchedProcess = process): void {
  const flags = missingHeapFlags(launched.execArgv, launched.env['NODE_OPTIONS']);
  if (flags.length === 0 || launched.execve === undefined) return;
  const script = launched.argv[1];
  if (script === undefined) return;
  launched.execve(
    launched.execPath,
    [launched.execPath, ...flags, ...launched.execArgv, script, ...launched.argv.slice(2)],
    { ...launched.env, ...missingHeapEnv(launched.env) },
  );
}

/** Whether the command `argv` hosts the embedded runtime: `run`, `serve`, and `label run` without `--now`. */
export function hostsEmbeddedRuntime(argv: readonly string[]): boolean {
  const [command, subcommand] = argv;
  return (
    command === 'run' ||
    command === 'serve' ||
    (command === 'label' && subcommand === 'run' && !argv.includes('--now'))
  );
}
