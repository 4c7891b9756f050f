/** The answer the simulated model gives to a prompt, and how it should be presented. */
export interface PromptAnswer {
  /** The bare answer: the result for simple arithmetic, else `sim-<8 hex of the prompt hash>`. */
  readonly value: string;
  /** The prompt asked for `\boxed{}`. */
  readonly boxed: boolean;
}

const ARITHMETIC = /what\s+is\s+(-?\d+)\s*([-+*x×])\s*(-?\d+)\s*\??/i;

function compute(left: bigint, operator: string, right: bigint): bigint {
  if (operator === '+') return left + right;
  if (operator === '-') return left - right;
  return left * right;
}

/**
 * A deterministic function of the prompt, so tests can tell which answer belongs to which line:
 * "What is 12+30?" gives `42` (also `-`, `*`, `x`, exact for big integers); anything else gives
 * `sim-` and the first 8 hex digits of `promptKey`.
 */
export function answerForPrompt(promptText: string, promptKey: string): PromptAnswer {
  const boxed = promptText.includes('\\boxed');
  const match = ARITHMETIC.exec(promptText);
  if (match?.[1] !== undefined && match[2] !== undefined && match[3] !== undefined) {
    const value = compute(BigInt(match[1]), match[2], BigInt(match[3])).toString();
    return { value, boxed };
  }
  return { value: `sim-${promptKey.slice(0, 8)}`, boxed };
}

/** The visible answer text (the part after the chain of thought). */
export function answerText(answer: PromptAnswer): string {
  return answer.boxed
    ? `**Final Answer**\n\nThe answer is \\boxed{${answer.value}}.`
    : `The answer is ${answer.value}.`;
}
