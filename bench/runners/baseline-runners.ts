/**
 * The two baselines as users run them: one process per job (two jobs: two processes at once, each
 * believing it has the endpoint to itself), each printing its JSON summary.
 */
import { join } from 'node:path';
import { failureLine, runTypeScript } from '../child-process';
import { countInto, lastJsonLine, readJsonl } from '../jsonl';
import type { Runner, RunnerContext, RunnerOutcome } from './runner';

const LOOP_SCRIPT = 'bench/baselines/fixed-concurrency-loop.ts';
const PROCESSOR_SCRIPT = 'bench/baselines/parallel-processor.ts';

/** A baseline's failure message, reduced to a reason worth counting. */
export function failureReason(message: string): string {
  if (/^429\b|rate.?limit/i.test(message)) return 'rate_limited';
  return message.slice(0, 60);
}

async function runProcesses(
  context: RunnerContext,
  script: string,
  argsFor: (input: string, output: string) => string[],
): Promise<RunnerOutcome> {
  const started = Date.now();
  const outputs = context.inputs.map((_, job) => join(context.workDir, `results-${job + 1}.jsonl`));
  const children = await Promise.all(
    context.inputs.map((input, job) =>
      runTypeScript(script, argsFor(input.path, outputs[job] ?? ''), context.timeoutMs),
    ),
  );
  const failures: Record<string, number> = {};
  const notes: string[] = [];
  for (const [job, output] of outputs.entries()) {
    for (const row of (await readJsonl(output)) ?? []) {
      if (row['status'] === 'succeeded') continue;
      const errors = row['errors'];
      const last = Array.isArray(errors) ? errors.at(-1) : row['error'];
      countInto(failures, failureReason(String(last)));
    }
    const child = children[job];
    if (child !== undefined && child.code !== 0) {
      notes.push(`job ${job + 1} exited ${child.code ?? 'killed'}: ${failureLine(child.stderrTail)}`);
    }
  }
  return {
    resultFiles: outputs,
    summaries: children.map((child) => lastJsonLine(child.stdout)),
    exitCodes: children.map((child) => child.code),
    timedOut: children.some((child) => child.timedOut),
    wallMs: Date.now() - started,
    failures,
    notes,
  };
}

const common = (context: RunnerContext, input: string, output: string): string[] => [
  '--base-url',
  context.baseURL,
  '--api-key',
  'bench',
  '--input',
  input,
  '--output',
  output,
  ...(context.scenario.maxTokens === null ? [] : ['--max-tokens', String(context.scenario.maxTokens)]),
];

/** 16 workers on the `openai` SDK with its default retries. */
export const fixedConcurrencyLoop: Runner = {
  id: 'fixed-concurrency-loop',
  description:
    'bench/baselines/fixed-concurrency-loop.ts: 16 workers on the `openai` SDK with its default retries (2, exponential backoff, honours Retry-After); one process per job',
  run: (context) =>
    runProcesses(context, LOOP_SCRIPT, (input, output) => [
      ...common(context, input, output),
      '--concurrency',
      '16',
    ]),
};

/** The cookbook's parallel processor: per-minute buckets set to the known limits, a scaled pause. */
export const parallelProcessor: Runner = {
  id: 'parallel-processor',
  description:
    "bench/baselines/parallel-processor.ts: the openai-cookbook processor's request and token buckets (per-minute limits as the scenario table says), a pause of the whole loop after a 429, 5 attempts; one process per job",
  run: (context) => {
    const { requestsPerMinute, tokensPerMinute, pauseAfterRateLimitMs } = context.scenario.parallelProcessor;
    return runProcesses(context, PROCESSOR_SCRIPT, (input, output) => [
      ...common(context, input, output),
      ...(requestsPerMinute === undefined ? [] : ['--requests-per-minute', String(requestsPerMinute)]),
      ...(tokensPerMinute === undefined ? [] : ['--tokens-per-minute', String(tokensPerMinute)]),
      '--pause-ms',
      String(pauseAfterRateLimitMs),
      '--max-attempts',
      '5',
    ]);
  },
};
