/**
 * The rate-gate flags (`--rpm`, `--tpm`, `--max-in-flight`, `--rate-window-ms`, `--max-rate-wait`) are
 * being added to the CLI while this benchmark is written. A scenario names the flags it wants; the runner
 * asks the program for its `--help`, passes the flags it lists and drops (and reports) the rest, so the
 * benchmark runs on the defaults until a flag exists and uses it from the moment it does.
 */
import { runTypeScript } from '../child-process';

const known = new Map<string, Promise<ReadonlySet<string>>>();

/** The `--flags` named in `script --help` (asked once per script and process). */
export function knownFlags(script: string): Promise<ReadonlySet<string>> {
  let flags = known.get(script);
  if (flags === undefined) {
    flags = runTypeScript(script, ['--help'], 60_000).then((help) => {
      if (help.code !== 0) throw new Error(`${script} --help exited ${help.code}: ${help.stderrTail}`);
      return new Set(help.stdout.match(/--[a-z][a-z0-9-]*/g) ?? []);
    });
    known.set(script, flags);
  }
  return flags;
}

/** Arguments split into those passed and those dropped because their flag is not in `flags`. */
export interface FilteredArgs {
  readonly passed: readonly string[];
  readonly dropped: readonly string[];
}

/**
 * Keep the flags in `flags`, each with its values (the tokens after it up to the next `--flag`);
 * `--flag=value` counts as one token.
 */
export function filterArgs(args: readonly string[], flags: ReadonlySet<string>): FilteredArgs {
  const passed: string[] = [];
  const dropped: string[] = [];
  let keep = true;
  for (const arg of args) {
    if (arg.startsWith('--')) keep = flags.has(arg.split('=', 1)[0] ?? arg);
    (keep ? passed : dropped).push(arg);
  }
  return { passed, dropped };
}
