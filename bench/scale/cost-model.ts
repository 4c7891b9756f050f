/**
 * The cost model of issue 12: AWS cost per 1,000 lines at R1-like latency, from the per-line request
 * counts a scale run measured (`requests` of its thinkbatch run), against one line per invocation.
 *
 *   tsx bench/scale/cost-model.ts bench/results/scale-after-10k.json [--write]
 *
 * Prices and assumptions are the constants below (AWS list prices, us-east-1, x86, as published in 2025;
 * check them before relying on the figures). `--write` puts the section into BENCHMARKS.md.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../child-process';
import type { ScaleResult } from './run-scale';
import { mergeScaleSection } from './scale-report';

/** USD list prices (us-east-1). */
export const PRICES = {
  lambdaGbSecond: 0.0000166667,
  lambdaPerMillionRequests: 0.2,
  /** On-demand, since the November 2024 cut. */
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  s3PerThousandPuts: 0.005,
  s3PerThousandGets: 0.0004,
  sqsPerMillionRequests: 0.4,
} as const;

/** What a line and the deployment look like (R1 on a provider, as ARCHITECTURE.md and settings.ts say). */
export const ASSUMPTIONS = {
  /** Mean time of one R1 call: ~12K tokens at tens of tokens/s. */
  lineLatencySeconds: 180,
  /** Worker memory (WORKER.memoryMb). */
  workerMemoryGb: 1,
  /** Lines one worker invocation carries at once: batchSize 4 × 50 lines per chunk (≤ lineConcurrency 256). */
  linesPerInvocation: 200,
  /** A one-line-per-invocation design at the smallest sensible memory. */
  singleLineMemoryGb: 0.125,
  /** Mean size of a chunk item over its life (50 lines' records, leases and attempts grow to ~6 KB): write units per update. */
  chunkItemWriteUnits: 3,
  /** Read units of a consistent read of a chunk item (4 KB per unit). */
  chunkItemReadUnits: 1,
} as const;

/** Requests per 1,000 lines, by `Service.Command`. */
export type RequestsPer1000 = Record<string, number>;

/** Requests of the run per 1,000 lines (downloads of the outputs and queue polling included). */
export function requestsPer1000(result: ScaleResult): { lines: number; per1000: RequestsPer1000 } {
  const run = result.runs.find((r) => r.runner === 'thinkbatch' && r.requests !== null);
  if (run === undefined || run.requests === null) throw new Error('no thinkbatch run with request counts');
  const per1000: RequestsPer1000 = {};
  for (const [name, count] of Object.entries(run.requests)) per1000[name] = (count / run.lines) * 1000;
  return { lines: run.lines, per1000 };
}

/** One priced line of the model. */
export interface CostLine {
  readonly item: string;
  readonly thinkbatch: { readonly amount: number; readonly usd: number };
  readonly singleLine: { readonly amount: number; readonly usd: number };
}

const sum = (per1000: RequestsPer1000, match: (name: string) => boolean): number =>
  Object.entries(per1000)
    .filter(([name]) => match(name))
    .reduce((total, [, count]) => total + count, 0);

/**
 * The model: the same durable operations per line in both designs (claim, record, result object, chunk
 * file, rate gate); Lambda time and requests, and SQS traffic, differ. One line per invocation means one
 * SQS message (send, receive, delete) and one invocation per line, each waiting out its own call.
 */
export function costModel(per1000: RequestsPer1000): CostLine[] {
  const a = ASSUMPTIONS;
  const dynamoWrites = sum(per1000, (n) => /^DynamoDB\.(UpdateItem|PutItem)$/.test(n));
  const gateWrites = sum(per1000, (n) => /^DynamoDB\.(UpdateItem|PutItem) \(rate gate\)$/.test(n));
  const dynamoReads = sum(per1000, (n) => n.startsWith('DynamoDB.GetItem') || n.startsWith('DynamoDB.Query'));
  const s3Puts = sum(per1000, (n) =>
    /^S3\.(PutObject|ListObjectsV2|CreateMultipartUpload|UploadPart|CompleteMultipartUpload)$/.test(n),
  );
  const s3Gets = sum(per1000, (n) => /^S3\.(GetObject|HeadObject)$/.test(n));
  const sqs = sum(per1000, (n) => n.startsWith('SQS.'));
  const writeUnits = dynamoWrites * a.chunkItemWriteUnits + gateWrites;
  const readUnits = dynamoReads * a.chunkItemReadUnits;
  const gbSeconds = {
    thinkbatch: (a.workerMemoryGb * a.lineLatencySeconds * 1000) / a.linesPerInvocation,
    singleLine: a.singleLineMemoryGb * a.lineLatencySeconds * 1000,
  };
  const invocations = { thinkbatch: 1000 / a.linesPerInvocation, singleLine: 1000 };
  const same = (amount: number, usd: number) => ({ amount, usd });
  const dynamoWriteUsd = (writeUnits / 1e6) * PRICES.dynamoPerMillionWriteUnits;
  const dynamoReadUsd = (readUnits / 1e6) * PRICES.dynamoPerMillionReadUnits;
  return [
    {
      item: 'Lambda GB-seconds',
      thinkbatch: same(gbSeconds.thinkbatch, gbSeconds.thinkbatch * PRICES.lambdaGbSecond),
      singleLine: same(gbSeconds.singleLine, gbSeconds.singleLine * PRICES.lambdaGbSecond),
    },
    {
      item: 'Lambda requests (worker invocations)',
      thinkbatch: same(
        invocations.thinkbatch,
        (invocations.thinkbatch / 1e6) * PRICES.lambdaPerMillionRequests,
      ),
      singleLine: same(
        invocations.singleLine,
        (invocations.singleLine / 1e6) * PRICES.lambdaPerMillionRequests,
      ),
    },
    {
      item: `DynamoDB write units (${Math.round(dynamoWrites)} chunk/job writes × ${a.chunkItemWriteUnits} + ${Math.round(gateWrites)} gate writes)`,
      thinkbatch: same(writeUnits, dynamoWriteUsd),
      singleLine: same(writeUnits, dynamoWriteUsd),
    },
    {
      item: 'DynamoDB read units (consistent reads)',
      thinkbatch: same(readUnits, dynamoReadUsd),
      singleLine: same(readUnits, dynamoReadUsd),
    },
    {
      item: 'S3 PUT/LIST requests',
      thinkbatch: same(s3Puts, (s3Puts / 1000) * PRICES.s3PerThousandPuts),
      singleLine: same(s3Puts, (s3Puts / 1000) * PRICES.s3PerThousandPuts),
    },
    {
      item: 'S3 GET/HEAD requests',
      thinkbatch: same(s3Gets, (s3Gets / 1000) * PRICES.s3PerThousandGets),
      singleLine: same(s3Gets, (s3Gets / 1000) * PRICES.s3PerThousandGets),
    },
    {
      item: 'SQS requests',
      thinkbatch: same(sqs, (sqs / 1e6) * PRICES.sqsPerMillionRequests),
      singleLine: same(sqs + 3000, ((sqs + 3000) / 1e6) * PRICES.sqsPerMillionRequests),
    },
  ];
}

const usd = (value: number): string => `$${value < 0.01 ? value.toFixed(5) : value.toFixed(3)}`;
const amount = (value: number): string =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);

/** The cost model's section of BENCHMARKS.md. */
export function renderCostModel(source: string, lines: number, per1000: RequestsPer1000): string {
  const rows = costModel(per1000);
  const total = (pick: (row: CostLine) => number) => rows.reduce((t, row) => t + pick(row), 0);
  const a = ASSUMPTIONS;
  const measured = Object.entries(per1000)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([name, count]) => `${name} ${count.toFixed(0)}`)
    .join(', ');
  return [
    '<!-- bench-run:scale-cost-model -->',
    '### Scale: cost model per 1,000 lines on AWS (computed by `bench/scale/cost-model.ts`)',
    '',
    `Requests per 1,000 lines as measured by the scale run in \`${source}\` (${lines.toLocaleString('en-US')} lines, zero latency, the runtime's AWS clients counted by command; fan-out, finalize, queue polling and the download of the outputs included): ${measured}.`,
    '',
    `Assumptions: R1-like calls of ${a.lineLatencySeconds} s on average; a thinkbatch worker (${a.workerMemoryGb * 1024} MB) carries ${a.linesPerInvocation} lines at once (4 work items × 50 lines) while the endpoint admits them; the alternative runs one line per invocation at ${a.singleLineMemoryGb * 1024} MB with one SQS message per line (send, receive, delete) and the same durable operations per line; a chunk item update costs ${a.chunkItemWriteUnits} write units on average (the item grows to ~6 KB), a gate write 1. Prices: AWS list prices, us-east-1 (Lambda $${PRICES.lambdaGbSecond}/GB-s and $${PRICES.lambdaPerMillionRequests}/M requests, DynamoDB on-demand $${PRICES.dynamoPerMillionWriteUnits}/M write and $${PRICES.dynamoPerMillionReadUnits}/M read units, S3 $${PRICES.s3PerThousandPuts}/1,000 PUTs and $${PRICES.s3PerThousandGets}/1,000 GETs, SQS $${PRICES.sqsPerMillionRequests}/M requests) — not re-checked here.`,
    '',
    '| per 1,000 lines | thinkbatch (200 lines per invocation) | | one line per invocation | |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.item} | ${amount(row.thinkbatch.amount)} | ${usd(row.thinkbatch.usd)} | ${amount(row.singleLine.amount)} | ${usd(row.singleLine.usd)} |`,
    ),
    `| **total** | | **${usd(total((r) => r.thinkbatch.usd))}** | | **${usd(total((r) => r.singleLine.usd))}** |`,
    '',
    "Reading: waiting is what costs on Lambda. Carrying 200 lines per invocation divides the GB-seconds by 200 (÷ 25 against a 128 MB single-line function), which leaves the per-line durable operations as a comparable part of the bill: the S3 PUT of each line's result object and the DynamoDB writes (a claim and a record per line on the chunk item, billed for the whole item, and the rate gate's writes). At R1 latency the lines of a chunk finish minutes apart, so group commits group less than at zero latency (at worst one record per line, about +1 chunk write per line), while the gate makes 0.25–1 round trips per call (ARCHITECTURE.md). The tokens are not included: at R1 prices they cost orders of magnitude more than all of this.",
    '<!-- /bench-run:scale-cost-model -->',
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const source = process.argv[2];
  if (source === undefined) throw new Error('usage: cost-model.ts <scale-run.json> [--write]');
  const result = JSON.parse(await readFile(source, 'utf8')) as ScaleResult;
  const { lines, per1000 } = requestsPer1000(result);
  const section = renderCostModel(source, lines, per1000);
  if (process.argv.includes('--write')) {
    const path = join(REPO_ROOT, 'BENCHMARKS.md');
    await writeFile(path, mergeScaleSection(await readFile(path, 'utf8'), 'cost-model', section));
  }
  process.stdout.write(section);
}
