#!/usr/bin/env node
/** Entry point of `pnpm thinkbatch`. */
import { main } from './cli';
import { InterruptedError, UsageError } from './run-command';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof InterruptedError) {
      process.stderr.write(`\nthinkbatch: ${error.message}\n`);
      process.exitCode = 130;
      return;
    }
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`thinkbatch: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    // One line, never a stack trace: a RunFailedError names run.log, where its details are.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`thinkbatch: ${message.split('\n')[0] ?? message}\n`);
    process.exitCode = 1;
  },
);
