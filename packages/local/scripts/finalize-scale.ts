/**
 * How long finalize's reads and writes take at scale, on the local S3 emulator (fauxqs, 127.0.0.1):
 * `pnpm exec tsx packages/local/scripts/finalize-scale.ts [chunks] [lines per chunk] [answer bytes]`.
 * Writes `chunks` chunk files of synthetic result lines, then times the one-pass merge (every chunk file
 * read in order into results.jsonl + errors.jsonl) and the segmented one (segment files of 500 chunks,
 * then one pass over them). Per chunk GET and per MB costs are printed for extrapolating to 1M lines.
 */
import { createS3ObjectStore } from '@thinkbatch/aws-adapters';
import {
  jobKeys,
  readJobResults,
  readSegmentResults,
  systemClock,
  writeMissingSegments,
} from '@thinkbatch/core';
import { writeResultFiles } from '../../core/src/pipeline/job-outputs';
import { createAwsClients, provisionResources, startEmulators } from '../src/index';

const chunks = Number(process.argv[2] ?? 1000);
const linesPerChunk = Number(process.argv[3] ?? 50);
const answerBytes = Number(process.argv[4] ?? 800);
const segmentChunks = 500;

const emulators = await startEmulators();
const clients = createAwsClients(emulators);
try {
  const resources = await provisionResources(clients);
  const output = createS3ObjectStore({ s3: clients.s3, bucket: resources.outputBucket });
  const deps = { output, clock: systemClock };
  const job = {
    jobId: 'job_finalize_scale',
    chunksTotal: chunks,
    createdAt: Date.now(),
    options: {},
  };
  const line = (n: number): string =>
    JSON.stringify({
      custom_id: `line-${n}`,
      line: n,
      status: n % 20 === 0 ? 'failed' : 'succeeded',
      reasoning: 'r'.repeat(answerBytes),
      answer: 'a'.repeat(64),
      finish_reason: 'stop',
      usage: {
        prompt_tokens: 10,
        completion_tokens: 200,
        total_tokens: 210,
        reasoning_tokens: 150,
        cached_prompt_tokens: null,
        estimated_reasoning_tokens: null,
      },
      attempts: 1,
      latency_ms: 1234,
      model: 'deepseek-ai/deepseek-r1',
      request_id: null,
      error: n % 20 === 0 ? { code: 'attempts_exhausted', message: 'x' } : null,
    });
  let started = performance.now();
  let bytes = 0;
  for (let c = 0; c < chunks; c += 1) {
    const body = Array.from({ length: linesPerChunk }, (_, i) => `${line(c * linesPerChunk + i + 1)}\n`).join(
      '',
    );
    bytes += Buffer.byteLength(body);
    await output.put(jobKeys.chunkResults(job.jobId, c), body);
  }
  const mb = bytes / 1024 / 1024;
  console.log(
    `${chunks} chunk files, ${chunks * linesPerChunk} lines, ${mb.toFixed(1)} MB: written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  started = performance.now();
  await writeResultFiles(deps, job, readJobResults(deps, job));
  const onePass = (performance.now() - started) / 1000;
  console.log(
    `one pass over ${chunks} chunk files: ${onePass.toFixed(1)} s (${((onePass * 1000) / chunks).toFixed(2)} ms per chunk, ${(mb / onePass).toFixed(1)} MB/s)`,
  );

  started = performance.now();
  await writeMissingSegments(deps, job, { segmentChunks, stopAt: Number.POSITIVE_INFINITY });
  const segments = (performance.now() - started) / 1000;
  started = performance.now();
  await writeResultFiles(deps, job, readSegmentResults(deps, job, segmentChunks));
  const finalPass = (performance.now() - started) / 1000;
  console.log(
    `segments of ${segmentChunks} chunks: ${segments.toFixed(1)} s; final pass over them: ${finalPass.toFixed(1)} s (${(mb / finalPass).toFixed(1)} MB/s)`,
  );
} finally {
  clients.destroy();
  await emulators.stop();
}
