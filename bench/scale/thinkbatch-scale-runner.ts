/**
 * thinkbatch on its embedded default, composed as `thinkbatch run` composes it (packages/cli/src/
 * run-command.ts: the local runtime on a temporary data directory, the OpenAI model client, the file
 * logger, the outputs downloaded by the CLI's own code), with one difference the CLI has no flag for:
 * the number of concurrent worker invocations (`--invocations`, default the deployed 20). At zero
 * latency 20 invocations contend on the endpoint's one rate gate item until acquires fail (see
 * BENCHMARKS.md, "Scale"), so the benchmark runs fewer.
 *
 *   tsx bench/scale/thinkbatch-scale-runner.ts --endpoint URL --api-key KEY --out DIR [--invocations N]
 *       [--rpm N] [--rate-window-ms MS] input.jsonl
 *
 * Writes DIR/{results,errors}.jsonl, summary.json and run.log; prints the job id, its status and the AWS
 * requests the runtime sent (by command, polling included); exit code 0 when the job completed.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { downloadOutputs } from '../../packages/cli/src/download-outputs';
import { ENDPOINT_LIMIT_OPTIONS, endpointLimitsFromFlags } from '../../packages/cli/src/endpoint-limit-flags';
import { createFileLogger } from '../../packages/cli/src/file-logger';
import { newJobId, WORKER } from '../../packages/core/src/index';
import { startLocalRuntime } from '../../packages/local/src/index';
import { createOpenAIModelClient } from '../../packages/openai-model-client/src/index';
import { countAwsRequests } from './count-aws-requests';
import { sampleHeapPeaks } from './heap-peaks';

const { values, positionals } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    'api-key': { type: 'string' },
    out: { type: 'string' },
    invocations: { type: 'string' },
    ...ENDPOINT_LIMIT_OPTIONS,
  },
  allowPositionals: true,
});
const { endpoint, out } = values;
const input = positionals[0];
if (endpoint === undefined || out === undefined || input === undefined)
  throw new Error('usage: --endpoint URL --api-key KEY --out DIR [--invocations N] input.jsonl');

const heap = sampleHeapPeaks();
const outDir = resolve(out);
await mkdir(outDir, { recursive: true });
const dataDir = await mkdtemp(join(tmpdir(), 'thinkbatch-scale-data-'));
const apiKey = values['api-key'] ?? '';
const local = await startLocalRuntime({
  dataDir,
  model: createOpenAIModelClient({ baseURL: endpoint, apiKey }),
  endpoint: { baseURL: endpoint, apiKey, limits: endpointLimitsFromFlags(values) },
  log: createFileLogger(join(outDir, 'run.log')),
  maxConcurrency: Number(values.invocations ?? WORKER.maxConcurrency),
});
const requests = countAwsRequests(local.clients);
try {
  const jobId = newJobId();
  await local.submit(createReadStream(resolve(input)), { jobId, name: `${jobId}.jsonl` });
  const job = await local.waitForJob(jobId);
  await downloadOutputs(local.deps.output, job, outDir);
  const memory = heap.stop();
  process.stdout.write(
    `${JSON.stringify({ jobId, status: job.status, requests, memory, memoryTimeline: heap.timeline() })}\n`,
  );
  process.exitCode = job.status === 'completed' ? 0 : 1;
} finally {
  await local.stop();
  await rm(dataDir, { recursive: true, force: true });
}
