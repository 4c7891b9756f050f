#!/usr/bin/env node
/** Entry point of `pnpm thinkbatch`. */
import { clientCommand, runClientCommand } from './client-commands';
import { hostsEmbeddedRuntime, relaunchWithHeapPolicy } from './relaunch-with-heap-policy';
import { UsageError } from './usage-error';

/**
 * The client commands run without loading the local runtime (emulators, SDKs: about 2 s of start-up);
 * `run`, `serve` and the help load it.
 */
async function dispatch(argv: readonly string[]): Promise<number> {
  const client = clientCommand(argv[0]);
  if (client !== undefined)
    return runClientCommand(client, argv.slice(1), {
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
    });
  const { main } = await import('./cli');
  return main(argv);
}

// The commands that host the emulators and workers run under the heap policy (heap-policy.ts).
if (hostsEmbeddedRuntime(process.argv.slice(2))) relaunchWithHeapPolicy();

dispatch(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`thinkbatch: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    const { InterruptedError } = await import('./run-command');
    if (error instanceof InterruptedError) {
      process.stderr.write(`\nthinkbatch: ${error.message}\n`);
      process.exitCode = 130;
      return;
    }
    // One line, never a stack trace: a RunFailedError names run.log, where its details are.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`thinkbatch: ${message.split('\n')[0] ?? message}\n`);
    process.exitCode = 1;
  },
);
