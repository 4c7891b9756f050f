import type { ChatCompletion } from './chat-completion';

/** Where the chain of thought was found in a completion. */
export const REASONING_SHAPES = [
  /** `message.reasoning_content` beside `content` (DeepSeek API, NVIDIA). */
  'reasoning_content',
  /** `message.reasoning` (vLLM). */
  'reasoning',
  /** `<think>…</think>` at the start of `content` (server without a reasoning parser). */
  'think_tags',
  /** Only a closing `</think>` in `content` (the template put the opening tag in the prompt). */
  'closing_think_only',
  /** No reasoning found: the whole content is the answer. */
  'none',
] as const;
export type ReasoningShape = (typeof REASONING_SHAPES)[number];

/** Reasoning and answer of choice 0, separated. Empty or whitespace-only text is `null`. */
export interface ExtractedReasoning {
  readonly reasoning: string | null;
  readonly answer: string | null;
  readonly finishReason: string | null;
  readonly shape: ReasoningShape;
}

const OPEN = '<think>';
const CLOSE = '</think>';
const LEADING_OPEN = /^\s*<think>/;
const LEADING_CLOSE = /^\s*<\/think>/;

function nonBlank(text: string | null | undefined): string | null {
  return text == null || text.trim() === '' ? null : text;
}

/** The answer never starts with the whitespace that followed the reasoning (e.g. `</think>\n\n`). */
function answerOf(text: string): string | null {
  return nonBlank(text.trimStart());
}

interface SplitContent {
  readonly reasoning: string | null;
  readonly answer: string | null;
  readonly shape: 'think_tags' | 'closing_think_only' | 'none';
}

/**
 * Split inline think tags out of `content`. Only a block at the very start counts as reasoning: an answer
 * that later *mentions* `<think>` is left alone. Text after the first `</think>` is the answer, so an
 * answer quoting the closing tag survives. An opening tag without a closing one means the output was cut
 * (usually `finish_reason: 'length'`) while still thinking: all of it is reasoning, there is no answer.
 */
function splitThinkTags(content: string): SplitContent {
  if (LEADING_OPEN.test(content)) {
    const afterOpen = content.slice(content.indexOf(OPEN) + OPEN.length);
    const close = afterOpen.indexOf(CLOSE);
    if (close === -1) return { reasoning: nonBlank(afterOpen.trim()), answer: null, shape: 'think_tags' };
    return {
      reasoning: nonBlank(afterOpen.slice(0, close).trim()),
      answer: answerOf(afterOpen.slice(close + CLOSE.length)),
      shape: 'think_tags',
    };
  }
  const close = content.indexOf(CLOSE);
  if (close !== -1) {
    return {
      reasoning: nonBlank(content.slice(0, close).trim()),
      answer: answerOf(content.slice(close + CLOSE.length)),
      shape: 'closing_think_only',
    };
  }
  return { reasoning: null, answer: answerOf(content), shape: 'none' };
}

/**
 * When the server already gave the reasoning in a field, the content is the answer; strip only a stray
 * think block (or a lone closing tag) leading it, which some servers leak. The field wins over the tags.
 */
function stripLeadingThink(content: string): string | null {
  if (LEADING_OPEN.test(content) || LEADING_CLOSE.test(content)) {
    const close = content.indexOf(CLOSE);
    return close === -1 ? null : answerOf(content.slice(close + CLOSE.length));
  }
  return answerOf(content);
}

/**
 * Separate the chain of thought from the final answer of choice 0, whichever of the four shapes the server
 * used. Field shapes keep the field's text as sent; reasoning taken from tags is trimmed (the newlines
 * around the tags come from the chat template). The answer loses its leading whitespace. Limitation: in
 * the `closing_think_only` shape, output cut before `</think>` carries no marker and reads as shape
 * `none` (an answer); `finishReason: 'length'` tells the caller it was truncated.
 */
export function extractReasoning(completion: ChatCompletion): ExtractedReasoning {
  const choice = completion.choices[0];
  const finishReason = choice?.finish_reason ?? null;
  const message = choice?.message;
  const content = message?.content ?? '';

  const reasoningContent = nonBlank(message?.reasoning_content);
  if (reasoningContent !== null) {
    return {
      reasoning: reasoningContent,
      answer: stripLeadingThink(content),
      finishReason,
      shape: 'reasoning_content',
    };
  }
  const reasoning = nonBlank(message?.reasoning);
  if (reasoning !== null) {
    return { reasoning, answer: stripLeadingThink(content), finishReason, shape: 'reasoning' };
  }
  return { ...splitThinkTags(content), finishReason };
}
