/**
 * The scale edges on their own (issue 12): fan-out and finalize of one job on the embedded emulators,
 * without processing. `pnpm exec tsx bench/scale/edges-bench.ts --lines 1000000 [--out FILE]`.
 *
 * 1. fan-out: N one-token prompts uploaded, `startJob` timed until every chunk is written and sent;
 * 2. synthetic results: every chunk's lines recorded as succeeded (a fixed ~300-byte result line), its
 *    chunk file written and the chunk completed — setup, not timed;
 * 3. finalize: `finalizeJob` timed; results.jsonl counted (N lines, in order).
 * Peak RSS of this process (emulators included: they run in it) is sampled throughout.
 * `--cpu-prof DIR` writes one CPU profile per timed stage (`fan-out.cpuprofile`, `finalize.cpuprofile`),
 * for `bench/scale/cpu-profile-summary.ts`.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createLimiter,
  finalizeJob,
  jobKeys,
  type ModelClient,
  startJob,
} from '../../packages/core/src/index';
import { startLocalRuntime } from '../../packages/local/src/index';
import { createInMemoryJobStore } from '../../packages/testing/src/index';
import { writeOneTokenPrompts } from './scale-input';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '100000' },
    out: { type: 'string' },
    'fan-out-only': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const lines = Number(values.lines);
if (!Number.isInteger(lines) || lines < 1) throw new Error('--lines: a positive integer');

let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const memory = process.memoryUsage();
  peakRss = Math.max(peakRss, memory.rss);
  peakHeap = Math.max(peakHeap, memory.heapUsed);
}, 100);
const mib = (bytes: number): number => Math.round(bytes / 1024 / 1024);
const log = (line: string): void => void process.stderr.write(`edges: ${line}\n`);

/** Profile one stage into `--cpu-prof`'s directory (nothing without it). */
const profiler = values['cpu-prof'] === undefined ? null : new Session();
if (profiler !== null) {
  profiler.connect();
  await profiler.post('Profiler.enable');
}
/** CPU seconds of this process (user + system) since `from`: on a shared machine, steadier than wall time. */
const cpuSince = (from: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};
async function profiled<T>(stage: string, run: () => Promise<T>): Promise<T> {
  const dir = values['cpu-prof'];
  if (profiler === null || dir === undefined) return run();
  await profiler.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await profiler.post('Profiler.stop');
    await writeFile(join(dir, `${stage}.cpuprofile`), JSON.stringify(profile));
  }
}

const unused: ModelClient = {
  complete: async () => {
    throw new Error('the edges bench makes no endpoint call');
  },
} as unknown as ModelClient;

const workDir = await mkdtemp(join(tmpdir(), 'thinkbatch-edges-'));
const runtime = await startLocalRuntime({
  model: unused,
  endpoint: { baseURL: 'http://127.0.0.1:9/v1', apiKey: null },
  eventSources: false,
  sweeper: false,
  log: { info: () => {}, warn: () => {}, error: (m: string, f?: object) => log(`${m} ${JSON.stringify(f)}`) },
});
try {
  const { deps } = runtime;
  const inputPath = join(workDir, 'input.jsonl');
  await writeOneTokenPrompts(inputPath, lines);
  const key = 'inputs/edges.jsonl';
  await deps.input.putStream(key, createReadStream(inputPath));

  const rssBefore = process.memoryUsage().rss;
  let started = performance.now();
  let cpu = process.cpuUsage();
  const outcome = await profiled('fan-out', () =>
    startJob(deps, { bucket: deps.input.bucket, key, sequencer: 'edges' }),
  );
  const fanOutSeconds = (performance.now() - started) / 1000;
  const fanOutCpu = cpuSince(cpu);
  if (outcome.kind !== 'started' || outcome.fanOut.kind !== 'fanned_out')
    throw new Error(`fan-out did not finish: ${JSON.stringify(outcome)}`);
  const { jobId } = outcome.job;
  const chunks = outcome.fanOut.chunks;
  const rssAfterFanOut = peakRss;
  const heapAfterFanOut = peakHeap;
  log(
    `fan-out: ${lines} lines, ${chunks} chunks in ${fanOutSeconds.toFixed(1)} s (${fanOutCpu.toFixed(1)} CPU s)`,
  );
  if (values['fan-out-only']) {
    const report = {
      lines,
      chunks,
      fanOut: {
        seconds: fanOutSeconds,
        linesPerSecond: Math.round(lines / fanOutSeconds),
        cpuSeconds: fanOutCpu,
        linesPerCpuSecond: Math.round(lines / fanOutCpu),
      },
      rssMiB: { beforeFanOut: mib(rssBefore), peak: mib(peakRss) },
      heapMiB: { peak: mib(peakHeap) },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (values.out !== undefined) await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
    // process.exit skips the `finally` below: clean up here (the input file would stay in tmp).
    clearInterval(sampler);
    await runtime.stop();
    await rm(workDir, { recursive: true, force: true });
    process.exit(0);
  }

  // Finalize's job state is a few records: kept in memory here, so recording 1M synthetic lines takes
  // seconds (on dynalite it would take longer than the stages measured); its objects are on fauxqs.
  started = performance.now();
  const jobs = createInMemoryJobStore();
  await jobs.createJob({ jobId, input: outcome.job.input, options: {}, now: Date.now() });
  await jobs.startJobProgress(jobId);
  const limiter = createLimiter(16);
  const usage = { prompt_tokens: 3, completion_tokens: 12, total_tokens: 15, reasoning_tokens: 8 };
  await Promise.all(
    Array.from({ length: chunks }, (_, index) =>
      limiter.run(async () => {
        const chunk = await deps.jobs.getChunk(jobId, index);
        if (chunk === null) throw new Error(`chunk ${index} missing`);
        await jobs.putChunk(jobId, index, chunk.lines);
        const body = chunk.lines.map((line) =>
          JSON.stringify({
            custom_id: `p${line}`,
            line,
            status: 'succeeded',
            reasoning: 'thinking',
            answer: String(line % 10),
            finish_reason: 'stop',
            usage: { ...usage, cached_prompt_tokens: null, estimated_reasoning_tokens: null },
            attempts: 1,
            latency_ms: 5,
            model: 'deepseek-ai/deepseek-r1',
            request_id: null,
            error: null,
          }),
        );
        await jobs.recordLines(
          jobId,
          index,
          chunk.lines.map((line) => ({
            line,
            status: 'succeeded' as const,
            resultKey: `synthetic/${line}`,
            usage: null,
            attempts: 1,
          })),
        );
        await deps.output.put(jobKeys.chunkResults(jobId, index), `${body.join('\n')}\n`);
        await jobs.pushChunkProgress(jobId, index);
        await jobs.completeChunk(jobId, index, Date.now());
      }),
    ),
  );
  await jobs.finishFanout(jobId, { chunksTotal: chunks, linesTotal: lines, now: Date.now() });
  const setupSeconds = (performance.now() - started) / 1000;
  log(`synthetic results recorded in ${setupSeconds.toFixed(1)} s`);
  const finalizeDeps = { ...deps, jobs };

  started = performance.now();
  const progress = await jobs.getJobProgress(jobId);
  const progressMs = performance.now() - started;

  started = performance.now();
  cpu = process.cpuUsage();
  const finalized = await profiled('finalize', () => finalizeJob(finalizeDeps, jobId));
  const finalizeSeconds = (performance.now() - started) / 1000;
  const finalizeCpu = cpuSince(cpu);
  if (finalized.kind !== 'finalized') throw new Error(`finalize: ${finalized.kind}`);
  const results = await deps.output.stream(jobKeys.results(jobId));
  if (results === null) throw new Error('no results.jsonl');
  let resultLines = 0;
  for await (const part of results) for (const byte of part) if (byte === 10) resultLines += 1;
  log(
    `finalize: ${finalizeSeconds.toFixed(1)} s (${finalizeCpu.toFixed(1)} CPU s), results.jsonl ${resultLines} lines`,
  );

  const report = {
    lines,
    chunks,
    fanOut: {
      seconds: fanOutSeconds,
      linesPerSecond: Math.round(lines / fanOutSeconds),
      cpuSeconds: fanOutCpu,
      linesPerCpuSecond: Math.round(lines / fanOutCpu),
    },
    finalize: {
      seconds: finalizeSeconds,
      linesPerSecond: Math.round(lines / finalizeSeconds),
      cpuSeconds: finalizeCpu,
      linesPerCpuSecond: Math.round(lines / finalizeCpu),
    },
    loadAverage: os.loadavg(),
    progress: { ms: Math.round(progressMs), succeeded: progress?.succeeded ?? null },
    resultLines,
    summaryTotal: finalized.summary.counts.total,
    rssMiB: { beforeFanOut: mib(rssBefore), peakDuringFanOut: mib(rssAfterFanOut), peak: mib(peakRss) },
    heapMiB: { peakDuringFanOut: mib(heapAfterFanOut), peak: mib(peakHeap) },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (values.out !== undefined) await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
  if (resultLines !== lines || progress?.succeeded !== lines) process.exitCode = 1;
} finally {
  clearInterval(sampler);
  await runtime.stop();
  await rm(workDir, { recursive: true, force: true });
}
