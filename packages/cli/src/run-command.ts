import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ENDPOINT,
  type JobRecord,
  type JobSummary,
  LOCAL_SIMULATOR_LIMITS,
  newJobId,
  type RateGateSettings,
  readJobProgress,
} from '@thinkbatch/core';
import { type LocalRuntime, startLocalRuntime } from '@thinkbatch/local';
import { createOpenAIModelClient } from '@thinkbatch/openai-model-client';
import { startSimulator } from '@thinkbatch/simulator';
import { downloadOutputs } from './download-outputs';
import { createFileLogger } from './file-logger';
import { readPriceListFile } from './price-list-file';
import { createProgressReporter, formatDuration } from './progress-reporter';
import { UsageError } from './usage-error';

/** The flags of `thinkbatch run`, parsed. */
export interface RunCommandOptions {
  readonly input: string;
  readonly out?: string;
  readonly endpoint?: string;
  readonly apiKey?: string;
  readonly model?: string;
  readonly maxAttempts?: number;
  /** Most lines in flight per worker invocation. @default automatic: what the rate gate grants, ≤ 256 */
  readonly concurrency?: number;
  /** A JSON price list file (`PriceList`): summary.json then carries a cost estimate. */
  readonly prices?: string;
  /**
   * Endpoint limits given as flags; the rest default to NVIDIA's trial tier, or with `simulate` to
   * `LOCAL_SIMULATOR_LIMITS`. @default {}
   */
  readonly rateLimits?: Partial<RateGateSettings>;
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

export { UsageError } from './usage-error';

/**
 * The run could not finish (the input could not be read, the local runtime failed): printed as one line,
 * exit code 1. The details (stack included) are in `run.log`; outputs written so far are downloaded.
 */
export class RunFailedError extends Error {
  override name = 'RunFailedError';
}

/**
 * Send work to this SQS queue URL instead of the embedded work queue: rehearses a deployment whose work
 * queue is missing (the job then fails with `fan_out_failed`). Read once, at the start of a run.
 */
export const WORK_QUEUE_URL_ENV = 'THINKBATCH_WORK_QUEUE_URL';

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

  const prices = options.prices === undefined ? undefined : await readPriceListFile(options.prices);
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
  let runtime: LocalRuntime | undefined;
  const workQueueUrl = io.env[WORK_QUEUE_URL_ENV] || undefined;
  try {
    const simulatorKey = randomUUID();
    const simulator = options.simulate ? await startSimulator({ apiKey: simulatorKey, seed: 1 }) : null;
    if (simulator !== null) cleanups.push(() => simulator.close());
    const baseURL = simulator?.url ?? options.endpoint ?? io.env['THINKBATCH_ENDPOINT'] ?? ENDPOINT.baseURL;
    const apiKey = simulator !== null ? simulatorKey : (givenKey ?? '');
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'thinkbatch-')));
    if (options.dataDir === undefined) cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const local = await startLocalRuntime({
      dataDir,
      model: createOpenAIModelClient({ baseURL, apiKey }),
      endpoint: {
        baseURL,
        apiKey,
        limits: { ...(simulator === null ? {} : LOCAL_SIMULATOR_LIMITS), ...options.rateLimits },
      },
      log,
      ...(workQueueUrl !== undefined && { workQueueUrl }),
      config: {
        ...(options.model !== undefined && { defaultModel: options.model }),
        ...(prices !== undefined && { prices }),
        ...(options.concurrency !== undefined && { lineConcurrency: options.concurrency }),
        ...(options.maxAttempts !== undefined && { retry: { maxAttempts: options.maxAttempts } }),
      },
    });
    runtime = local;
    cleanups.push(() => local.stop());

    io.stderr.write(
      `thinkbatch: job ${jobId}: ${options.input} → ${baseURL}${simulator ? ' (simulated)' : ''}\n`,
    );
    const started = Date.now();
    await local
      .submit(createReadStream(inputPath), {
        jobId,
        name: `${jobId}.jsonl`,
        ...(options.maxAttempts !== undefined && { options: { maxAttempts: options.maxAttempts } }),
      })
      .catch((error: unknown) => {
        throw new RunFailedError(`cannot submit ${options.input}: ${messageOf(error)}`, { cause: error });
      });
    const job = await local.waitForJob(jobId, {
      signal: interrupt.signal,
      onPoll: async (current) => {
        const progress = await readJobProgress(local.deps.jobs, jobId);
        // The gate of the job's model; a failed read only leaves it out of this update.
        const gate = await local.deps.rateGates
          .forModel(local.deps.config.defaultModel)
          .snapshot()
          .catch(() => null);
        reporter.update({
          status: current.status,
          done: progress.succeeded + progress.failed + progress.cancelled + progress.expired,
          total: current.linesTotal,
          failed: progress.failed,
          tokens: progress.usage.total_tokens,
          elapsedMs: Date.now() - started,
          gate,
        });
      },
    });
    reporter.stop();
    const { written, missing } = await downloadOutputs(local.deps.output, job, outDir);
    io.stdout.write(await describeOutcome(job, written));
    if (job.status !== 'completed') {
      const reason = job.error === null ? '' : `: ${job.error.code}: ${job.error.message}`;
      const kept = written.length > 0 ? `; outputs so far in ${outDir}` : '';
      io.stderr.write(`thinkbatch: job ${jobId} ${job.status}${reason}${kept}\n`);
    }
    if (missing.length > 0) log.error('outputs named by the job are missing', { jobId, missing });
    return job.status === 'completed' ? 0 : 1;
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    reporter.stop();
    const details = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log.error('run failed', { jobId, error: details });
    const kept = runtime === undefined ? [] : await downloadWhatExists(runtime, jobId, outDir);
    const where = kept.length > 0 ? `; outputs so far in ${outDir}` : '';
    throw new RunFailedError(`${messageOf(error)}${where} (details in ${join(outDir, 'run.log')})`, {
      cause: error,
    });
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

/** One line for an error: its message (a RunFailedError's already says what failed). */
function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** Download the outputs the job has, if any, ignoring every error (the run is failing already). */
async function downloadWhatExists(runtime: LocalRuntime, jobId: string, outDir: string): Promise<string[]> {
  try {
    const job = await runtime.deps.jobs.getJob(jobId);
    if (job === null) return [];
    return [...(await downloadOutputs(runtime.deps.output, job, outDir)).written];
  } catch {
    return [];
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
    if (summary.cost != null) lines.push(`estimated cost: $${summary.cost.total} (${summary.cost.basis})`);
    if (counts.failed > 0) lines.push(`${counts.failed} failed line(s): see errors.jsonl`);
    if (summary.rate_gate) {
      const { calls, waited_ms, allowance } = summary.rate_gate;
      lines.push(
        `endpoint (all jobs on its rate gate): ${calls.rate_limited} of ${calls.succeeded + calls.rate_limited + calls.failed} calls refused with 429, lines waited ${formatDuration(waited_ms)} for capacity; allowed now ${allowance.requests_per_minute} req/min, ${allowance.in_flight} in flight`,
      );
    }
    // A job stopped by the endpoint's refusals still has every line (those not sent say so).
    if (job.status === 'failed' && counts.total < (job.linesTotal ?? Number.POSITIVE_INFINITY))
      lines.push(
        'these are the lines recorded before the job failed; the others never ran: submit the file again to run them',
      );
  }
  for (const file of files) lines.push(`  ${file}`);
  return `${lines.join('\n')}\n`;
}
