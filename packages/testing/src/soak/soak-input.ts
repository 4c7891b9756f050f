import type { SoakJobPlan } from './soak-scenario-types';

/** Text that only line `line` of a job with `tag` contains (`What is 3 + 1000?` is not in `What is 33 + 1000?`). */
export const soakMarker = (tag: number, line: number): string => `What is ${line} + ${tag}?`;

/** The prompt of a line: a sum the simulated model answers with `\boxed{line + tag}`. */
export const soakPrompt = (tag: number, line: number): string =>
  `${soakMarker(tag, line)} Please reason step by step, and put your final answer within \\boxed{}.`;

/** The custom_id of a line. */
export const soakCustomId = (job: number, line: number): string => `j${job}-${line}`;

/** A job's input file: one simple line per prompt. */
export function soakInput(job: SoakJobPlan): string {
  const lines = Array.from({ length: job.lines }, (_, line) =>
    JSON.stringify({ custom_id: soakCustomId(job.index, line), prompt: soakPrompt(job.tag, line) }),
  );
  return `${lines.join('\n')}\n`;
}
