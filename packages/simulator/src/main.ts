import { CLI_HELP, parseCliArgs } from './cli/cli-args';
import { startSimulator } from './http/server';

/** CLI: start a simulator, print its base URL, stop on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const command = parseCliArgs(process.argv.slice(2));
  if (command.kind === 'help') {
    process.stdout.write(CLI_HELP);
    return;
  }
  if (command.kind === 'error') {
    process.stderr.write(`${command.message}\n\n${CLI_HELP}`);
    process.exitCode = 2;
    return;
  }
  const simulator = await startSimulator(command.options);
  process.stdout.write(`thinkbatch simulator listening on ${simulator.url}\n`);
  process.stdout.write(`stats at ${simulator.statsUrl}\n`);
  const stop = (): void => {
    simulator.close().then(
      () => process.stdout.write(`${JSON.stringify(simulator.stats())}\n`),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
