import type { Random } from '../seeded-random';
import { CHARS_PER_TOKEN } from './token-count';

const MUSINGS = [
  'Let me think about this step by step.',
  'First, I should make sure I understand what is being asked.',
  'Hmm, wait, let me double-check that.',
  'Alternatively, I could approach it from the other direction.',
  'That seems consistent with what I found earlier.',
  'Let me verify this with a quick example.',
  'Okay, so breaking it down further.',
  'I need to be careful not to miss an edge case here.',
  'Wait, is that right? Let me recompute.',
  'Yes, that checks out.',
  'So putting these pieces together.',
  'Maybe I should reconsider the assumptions.',
] as const;

/**
 * R1-style chain of thought of about `tokens` simulated tokens (whole sentences, so a little more): it
 * restates the question, wanders through seeded musings and ends on the answer.
 */
export function reasoningText(promptText: string, answer: string, tokens: number, random: Random): string {
  const target = tokens * CHARS_PER_TOKEN;
  const question = promptText.replace(/\s+/g, ' ').trim().slice(0, 80);
  const conclusion = `So the answer should be ${answer}.`;
  let text = `Okay, so the question is: "${question}".`;
  while (text.length + 1 + conclusion.length < target) {
    text += ` ${MUSINGS[Math.floor(random() * MUSINGS.length)] ?? MUSINGS[0]}`;
  }
  return `${text} ${conclusion}`;
}
