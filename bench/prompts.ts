/**
 * Input files of a scenario: one JSONL per job, in the simple line format every runner reads
 * (`{"custom_id", "prompt", "max_tokens"?}`). Prompts are unique across the jobs of a run, so the
 * simulator's per-prompt counts say which lines succeeded, and fixed-length, so every call is charged the
 * same tokens.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { estimateTokens, promptKey } from '../packages/simulator/src/index';
import { PROMPT_TOKENS, type Scenario } from './scenarios';

/** One job's input file and the simulator's key of each of its lines. */
export interface JobInput {
  readonly path: string;
  readonly lines: number;
  readonly promptKeys: readonly string[];
}

/** The prompt of line `n` (0-based, counted across the jobs of a scenario). */
export function promptText(n: number): string {
  const i = String(n).padStart(4, '0');
  return `What is ${i} + ${i}? Put your final answer within \\boxed{}.`;
}

/** Write the scenario's job files into `dir`. */
export async function writeJobInputs(scenario: Scenario, dir: string): Promise<JobInput[]> {
  const inputs: JobInput[] = [];
  let n = 0;
  for (const [job, count] of scenario.jobs.entries()) {
    const rows: string[] = [];
    const promptKeys: string[] = [];
    for (let line = 0; line < count; line += 1, n += 1) {
      const prompt = promptText(n);
      if (estimateTokens(prompt) !== PROMPT_TOKENS)
        throw new Error(`prompt ${n} is not ${PROMPT_TOKENS} tokens`);
      promptKeys.push(promptKey([{ role: 'user', content: prompt }]));
      rows.push(
        JSON.stringify({
          custom_id: `j${job + 1}-${String(line + 1).padStart(4, '0')}`,
          prompt,
          ...(scenario.maxTokens === null ? {} : { max_tokens: scenario.maxTokens }),
        }),
      );
    }
    const path = join(dir, `job-${job + 1}.jsonl`);
    await writeFile(path, `${rows.join('\n')}\n`);
    inputs.push({ path, lines: count, promptKeys });
  }
  return inputs;
}
