import type { InputMessage } from '@thinkbatch/core';
import type { LabelSpace } from './label-space';
import type { LabellingTask } from './labelling-task';
import type { PromptTemplate } from './prompt-template';

/** The `\boxed{}` directive of R1's model card, worded for a label. */
export const BOXED_DIRECTIVE = 'Reason step by step, and put your final label within \\boxed{}.';

/**
 * The one user turn for a row (R1 wants no system prompt): the instructions, the rendered template, the
 * label space and, when asked, the `\boxed{}` directive. The label space line is what the simulated
 * endpoint reads to answer.
 */
export function labellingPrompt(
  task: LabellingTask,
  template: PromptTemplate,
  space: LabelSpace,
  row: Readonly<Record<string, unknown>>,
): string {
  const parts = [task.prompt.instructions.trim(), template.render(row), space.describe()];
  if (task.prompt.boxed) parts.push(BOXED_DIRECTIVE);
  return parts.filter((part) => part !== '').join('\n\n');
}

/**
 * The corrective re-ask: the first exchange, then a user turn that says why the answer was refused and
 * how to answer. Asked once per refused answer.
 */
export function reaskMessages(
  prompt: string,
  answer: string,
  reason: string,
  space: LabelSpace,
): InputMessage[] {
  const how =
    space.kind === 'enum'
      ? 'Answer again with exactly one of the allowed labels within \\boxed{}, and nothing else after it.'
      : 'Answer again with only the JSON object within \\boxed{}.';
  return [
    { role: 'user', content: prompt },
    { role: 'assistant', content: answer },
    {
      role: 'user',
      content: `Your answer could not be used: ${reason}. ${space.describe()} ${how}`,
    },
  ];
}
