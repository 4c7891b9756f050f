/**
 * Several thinkbatch jobs on one embedded runtime, submitted at once: what two users uploading to one
 * deployment look like. The runtime is composed as `thinkbatch run` composes it (packages/cli/src/
 * run-command.ts: the local runtime on a temporary data directory, the OpenAI model client, the CLI's
 * defaults), and each job's outputs are downloaded by the CLI's own code.
 *
 *   tsx bench/runners/thinkbatch-jobs.ts --endpoint URL --api-key KEY --out DIR a.jsonl b.jsonl
 *
 * Writes `DIR/job-<n>/{results,errors}.jsonl`, `summary.json` per job and `DIR/run.log`; prints one JSON
 * line: each job's id, status and wall time. Exit code 0 when every job completed.
 *
 * bench/ is not a workspace package, so the packages are imported by path. The endpoint limit flags
 * (`--rpm`, `--tpm`, `--max-in-flight`, `--rate-window-ms`, `--max-rate-wait`) are the CLI's own, parsed
 * by its code into the runtime's `endpoint.limits`; flags not listed in `--help` are dropped by the
 * benchmark.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { downloadOutputs } from '../../packages/cli/src/download-outputs';
import { ENDPOINT_LIMIT_OPTIONS, endpointLimitsFromFlags } from '../../packages/cli/src/endpoint-limit-flags';
import { createFileLogger } from '../../packages/cli/src/file-logger';
import { ENDPOINT, newJobId, type PipelineConfigInput } from '../../packages/core/src/index';
import { startLocalRuntime } from '../../packages/local/src/index';
import { createOpenAIModelClient } from '../../packages/openai-model-client/src/index';

/** The `thinkbatch run` flags this driver applies; `--help` lists exactly these. */
const RUN_FLAGS = {
  endpoint: { type: 'string' },
  'api-key': { type: 'string' },
  out: { type: 'string' },
  model: { type: 'string' },
  'max-attempts': { type: 'string' },
  concurrency: { type: 'string' },
  ...ENDPOINT_LIMIT_OPTIONS,
  help: { type: 'boolean', default: false },
} as const;

const HELP = `thinkbatch-jobs: several jobs on one local runtime, submitted at once
Usage: tsx bench/runners/thinkbatch-jobs.ts --endpoint URL --api-key KEY --out DIR <input.jsonl>...
  ${Object.keys(RUN_FLAGS)
    .map((flag) => `--${flag}`)
    .join(' ')}
`;

type Values = ReturnType<typeof parseArgs<{ options: typeof RUN_FLAGS; allowPositionals: true }>>['values'];

/** Pipeline settings from the flags, as run-command.ts turns them into the runtime's config. */
function runtimeConfig(values: Values): PipelineConfigInput {
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  const maxAttempts = values['max-attempts'] === undefined ? undefined : Number(values['max-attempts']);
  return {
    defaultModel: values.model ?? ENDPOINT.model,
    ...(concurrency !== undefined && { lineConcurrency: concurrency }),
    ...(maxAttempts !== undefined && { retry: { maxAttempts } }),
  };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: RUN_FLAGS, allowPositionals: true });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const { endpoint, out } = values;
  if (endpoint === undefined || out === undefined || positionals.length === 0) {
    process.stderr.write(HELP);
    return 2;
  }
  // The endpoint's limits as run-command.ts gives them to the runtime (no --simulate here).
  const limits = endpointLimitsFromFlags(values);
  const outDir = resolve(out);
  await mkdir(outDir, { recursive: true });
  const dataDir = await mkdtemp(join(tmpdir(), 'thinkbatch-bench-'));
  const maxAttempts = values['max-attempts'] === undefined ? undefined : Number(values['max-attempts']);
  const apiKey = values['api-key'] ?? '';
  const local = await startLocalRuntime({
    dataDir,
    model: createOpenAIModelClient({ baseURL: endpoint, apiKey }),
    endpoint: { baseURL: endpoint, apiKey, limits },
    log: createFileLogger(join(outDir, 'run.log')),
    config: runtimeConfig(values),
  });
  try {
    const jobs = await Promise.all(
      positionals.map(async (input, index) => {
        const started = Date.now();
        const jobId = newJobId();
        await local.submit(createReadStream(resolve(input)), {
          jobId,
          name: `${jobId}.jsonl`,
          ...(maxAttempts !== undefined && { options: { maxAttempts } }),
        });
        const job = await local.waitForJob(jobId);
        await downloadOutputs(local.deps.output, job, join(outDir, `job-${index + 1}`));
        return { input, jobId, status: job.status, wallMs: Date.now() - started };
      }),
    );
    process.stdout.write(`${JSON.stringify({ jobs })}\n`);
    return jobs.every((job) => job.status === 'completed') ? 0 : 1;
  } finally {
    await local.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
