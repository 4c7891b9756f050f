/**
 * How long fan-out and finalize take on AWS at 1M and 4.7M lines (issue 12, issue 11's "finalize at the
 * largest job"): a model over what each step does per line and per chunk, with this machine's measured
 * CPU rates scaled to the Lambda's share of a vCPU, and AWS request latencies and limits as assumed below.
 *
 *   tsx bench/scale/edges-model.ts [bench/results/scale-edges-1m.json]
 *
 * Estimates, not measurements: every constant is named and can be checked.
 */
import { readFile } from 'node:fs/promises';
import { FANOUT, WORKER } from '../../packages/core/src/settings';

export const EDGE_ASSUMPTIONS = {
  /** Lambda gives a function ~1 vCPU at 1,769 MB, proportionally less below. */
  vcpuPerMb: 1 / 1769,
  /**
   * CPU-bound fan-out rate of one full core (validation of every line, the SDK's requests): the edges
   * bench's fan-out profile at 100k lines less the emulators' and the profiler's time (`edges-3-notes`;
   * was 37,000 before the third round).
   */
  fanOutCpuLinesPerSecond: 45_000,
  /** One conditional PutItem of a chunk (~1–2 KB), ms; 16 in flight. */
  putChunkMs: 8,
  chunkWritesInFlight: 16,
  /**
   * Write units of a chunk item at creation: its 50 line numbers once, as a set (736 B at line 4.65M;
   * 1,039 B, 2 units, while the numbers were stored twice, as a list and a set).
   */
  chunkCreateWriteUnits: 1,
  /** DynamoDB writes per second one partition key takes (all of a job's items share `JOB#<id>`). */
  partitionWriteUnitsPerSecond: 1_000,
  /** One SendMessageBatch of 10, ms; 8 in flight. */
  sendBatchMs: 20,
  sendsInFlight: 8,
  /** Finalize: parse and check rate of one core, MB/s of result lines (JSON.parse + schema). */
  finalizeCpuMBPerSecond: 60,
  /** S3 GET first-byte latency, ms (32 chunk files read ahead, `FINALIZE_READ_AHEAD`; was 8). */
  getFirstByteMs: 30,
  readAhead: 32,
  /** Server-side copy rate of one UploadPartCopy, MB/s; 8 parts at once. */
  copyMBPerSecond: 60,
  copiesInFlight: 8,
  /** Result line sizes: the bench's one-token answers, and R1's (~12K tokens of reasoning). */
  lineBytes: { oneToken: 300, r1: 40_000 },
} as const;

const A = EDGE_ASSUMPTIONS;

/** Seconds of fan-out for `lines` on a fan-out Lambda of `memoryMb`. */
export function fanOutSeconds(lines: number, memoryMb: number = FANOUT.memoryMb): number {
  const chunks = lines / FANOUT.linesPerChunk;
  const cpu = lines / (A.fanOutCpuLinesPerSecond * Math.min(1, memoryMb * A.vcpuPerMb));
  const writes = (chunks * A.putChunkMs) / 1000 / A.chunkWritesInFlight;
  const partition = (chunks * A.chunkCreateWriteUnits) / A.partitionWriteUnitsPerSecond;
  const sends = ((chunks / 10) * A.sendBatchMs) / 1000 / A.sendsInFlight;
  // The reads, writes and sends overlap the parsing (a window at a time): the slowest of them bounds it.
  return Math.max(cpu, writes, partition, sends);
}

/** Seconds of finalize (segments + composition) for `lines` of `lineBytes` on a worker. */
export function finalizeSeconds(
  lines: number,
  lineBytes: number,
  memoryMb: number = WORKER.memoryMb,
): number {
  const mb = (lines * lineBytes) / 1e6;
  const chunks = lines / FANOUT.linesPerChunk;
  const cpu = mb / (A.finalizeCpuMBPerSecond * Math.min(1, memoryMb * A.vcpuPerMb));
  const reads = (chunks * A.getFirstByteMs) / 1000 / A.readAhead;
  const compose = mb / (A.copyMBPerSecond * A.copiesInFlight);
  return Math.max(cpu, reads) + compose;
}

async function main(): Promise<void> {
  const measuredPath = process.argv[2];
  if (measuredPath !== undefined) {
    const measured = JSON.parse(await readFile(measuredPath, 'utf8')) as {
      lines: number;
      fanOut: { linesPerSecond: number };
      finalize: { linesPerSecond: number };
    };
    console.log(
      `measured here (${measured.lines} lines, emulators in process): fan-out ${measured.fanOut.linesPerSecond} lines/s, finalize ${measured.finalize.linesPerSecond} lines/s`,
    );
  }
  console.log('| lines | fan-out (1,024 MB) | finalize, 300 B lines | finalize, R1 lines (~40 KB) | limit |');
  console.log('| ----: | ----: | ----: | ----: | ---- |');
  for (const lines of [1_000_000, 4_700_000]) {
    const r1 = finalizeSeconds(lines, A.lineBytes.r1);
    console.log(
      `| ${lines.toLocaleString('en-US')} | ${fanOutSeconds(lines).toFixed(0)} s | ${finalizeSeconds(lines, A.lineBytes.oneToken).toFixed(0)} s | ${r1.toFixed(0)} s (≈ ${Math.ceil(r1 / (WORKER.timeoutSeconds - 10))} invocations) | ${WORKER.timeoutSeconds} s per invocation |`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
