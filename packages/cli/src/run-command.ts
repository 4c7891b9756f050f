import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ENDPOINT,
  type JobRecord,
  type JobSummary,
  type Logger,
  newJobId,
  sumJobProgress,
} from '@thinkbatch/core';
import { startLocalRuntime } from '@thinkbatch/local';
import { createOpenAIModelClient } from '@thinkbatch/openai-model-client';
import { startSimulator } from '@thinkbatch/simulator';
import { downloadOutputs } from './download-outputs';
import { createProgressReporter } from './progress-reporter';

/** The flags of `thinkbatch run`, parsed. */
export interface RunCommandOptions {
  readonly input: string;
  readonly out?: string;
  readonly endpoint?: string;
  readonly apiKey?: string;
  readonly model?: string;
  readonly maxAttempts?: number;
  readonly concurrency?: number;
  readonly simulate: boolean;
  /** Keep emulator state here (default: a temporary directory removed afterwards). */
  readonly dataDir?: string;
}

export interface CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/** The user interrupted the run (Ctrl-C); the job was left unfinished. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(jobId: string, dataDir: string | undefined) {
    super(
      dataDir === undefined
        ? `interrupted: job ${jobId} left unfinished`
        : `interrupted: job ${jobId} left unfinished; its state is kept in ${dataDir}`,
    );
  }
}

/** A problem the user can fix; printed without a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Run one JSONL file through the whole pipeline on the embedded default and wait for it. Exit code 0
 * when the job completed (failed lines included: they are in errors.jsonl), 1 when it did not.
 */
export async function runCommand(options: RunCommandOptions, io: CommandIo): Promise<number> {
  const inputPath = resolve(options.input);
  const info = await stat(inputPath).catch(() => null);
  if (info === null || !info.isFile()) throw new UsageError(`input file not found: ${options.input}`);
  const givenKey = options.apiKey ?? io.env['NVIDIA_API_KEY'];
  if (!options.simulate && (givenKey === undefined || givenKey === '')) {
    throw new UsageError(
      'no API key: set NVIDIA_API_KEY (or pass --api-key), or add --simulate to use the built-in simulated endpoint',
    );
  }

  const jobId = newJobId();
  const outDir = resolve(options.out ?? join('thinkbatch-out', jobId));
  await mkdir(outDir, { recursive: true });
  const log = createFileLogger(join(outDir, 'run.log'));
  // Everything started is stopped again, in reverse order, however the run ends.
  const cleanups: (() => Promise<void>)[] = [];
  const reporter = createProgressReporter(io.stderr);
  // Ctrl-C stops waiting; the cleanups then stop the emulators and remove the temporary state.
  const interrupt = new AbortController();
  const onSignal = (): void => interrupt.abort(new InterruptedError(jobId, options.dataDir));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const simulatorKey = randomUUID();
    const simulator = options.simulate ? await startSimulator({ apiKey: simulatorKey, seed: 1 }) : null;
    if (simulator !== null) cleanups.push(() => simulator.close());
    const baseURL = simulator?.url ?? options.endpoint ?? io.env['THINKBATCH_ENDPOINT'] ?? ENDPOINT.baseURL;
    const apiKey = simulator !== null ? simulatorKey : (givenKey ?? '');
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'thinkbatch-')));
    if (options.dataDir === undefined) cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const runtime = await startLocalRuntime({
      dataDir,
      model: createOpenAIModelClient({ baseURL, apiKey }),
      log,
      config: {
        defaultModel: options.model ?? ENDPOINT.model,
        ...(options.concurrency !== undefined && { lineConcurrency: options.concurrency }),
        ...(options.maxAttempts !== undefined && { retry: { maxAttempts: options.maxAttempts } }),
      },
    });
    cleanups.push(() => runtime.stop());

    io.stderr.write(
      `thinkbatch: job ${jobId}: ${options.input} → ${baseURL}${simulator ? ' (simulated)' : ''}\n`,
    );
    const started = Date.now();
    await runtime.submit(createReadStream(inputPath), {
      jobId,
      name: `${jobId}.jsonl`,
      ...(options.maxAttempts !== undefined && { options: { maxAttempts: options.maxAttempts } }),
    });
    const job = await runtime.waitForJob(jobId, {
      signal: interrupt.signal,
      onPoll: async (current) => {
        const progress = await sumJobProgress(runtime.deps.jobs, jobId);
        reporter.update({
          status: current.status,
          done: progress.succeeded + progress.failed + progress.cancelled + progress.expired,
          total: current.linesTotal,
          failed: progress.failed,
          tokens: progress.usage.total_tokens,
          elapsedMs: Date.now() - started,
        });
      },
    });
    reporter.stop();
    const files = await downloadOutputs(runtime.deps.output, job, outDir);
    io.stdout.write(await describeOutcome(job, files));
    return job.status === 'completed' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    reporter.stop();
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) =>
        io.stderr.write(`thinkbatch: cleanup failed: ${String(error)}\n`),
      );
    }
  }
}

async function describeOutcome(job: JobRecord, files: readonly string[]): Promise<string> {
  const lines = [`job ${job.jobId} ${job.status}`];
  if (job.error !== null) lines.push(`error: ${job.error.code}: ${job.error.message}`);
  const summaryPath = files.find((f) => f.endsWith('summary.json'));
  if (summaryPath !== undefined) {
    const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as JobSummary;
    const { counts, usage } = summary;
    lines.push(
      `lines: ${counts.total} (${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.cancelled} cancelled, ${counts.expired} expired)`,
      `tokens: ${usage.prompt_tokens} prompt, ${usage.completion_tokens} completion (${usage.reasoning_tokens} reasoning), ${usage.total_tokens} total`,
    );
    if (counts.failed > 0) lines.push(`${counts.failed} failed line(s): see errors.jsonl`);
  }
  for (const file of files) lines.push(`  ${file}`);
  return `${lines.join('\n')}\n`;
}

/** Structured logs go to a file beside the results, so the terminal shows only progress. */
function createFileLogger(path: string): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
    const line = `${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`;
    appendFile(path, line).catch(() => {}); // a lost log line must not end the run
  };
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
