import { deriveSeed, logNormal, mulberry32 } from '../seeded-random';
import { labellingAnswer } from './labelling-answer';
import { answerForPrompt, answerText, type PromptAnswer } from './prompt-answer';
import { reasoningText } from './reasoning-text';
import { CHARS_PER_TOKEN, estimateTokens } from './token-count';

/** Where the simulated model puts its chain of thought. */
export const REASONING_SHAPES = [
  'reasoning_content',
  'reasoning',
  'think_tags',
  'closing_think_only',
] as const;
export type ReasoningShape = (typeof REASONING_SHAPES)[number];

/** A log-normal token count, clamped to [min, max]. */
export interface TokenDistribution {
  readonly median: number;
  readonly sigma: number;
  readonly min: number;
  readonly max: number;
}

/** Message field a piece of output goes to. */
export type OutputField = 'reasoning_content' | 'reasoning' | 'content';

/** A run of output text bound for one message field, in emission order. */
export interface OutputSegment {
  readonly field: OutputField;
  readonly text: string;
}

/** Usage as an OpenAI-compatible server reports it. */
export interface SimulatedUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  readonly completion_tokens_details?: { readonly reasoning_tokens: number };
}

/** Everything the simulated model says to one request, independent of how it is sent. */
export interface R1Response {
  readonly segments: readonly OutputSegment[];
  readonly finishReason: 'stop' | 'length';
  readonly usage: SimulatedUsage;
  readonly answer: PromptAnswer;
}

/** The parts of a request that decide the answer. */
export interface R1Request {
  readonly promptText: string;
  readonly promptKey: string;
  /** `max_tokens` of the request; null: unlimited. */
  readonly maxTokens: number | null;
  /** The request's index in the simulator's life: varies the samples of a labelling prompt. @default 0 */
  readonly requestIndex?: number;
}

/** How the simulated model writes. */
export interface R1Style {
  readonly seed: number;
  readonly shape: ReasoningShape;
  readonly reasoningTokens: TokenDistribution;
  /** Report `completion_tokens_details.reasoning_tokens` (servers without a reasoning parser do not). */
  readonly reportReasoningTokens: boolean;
}

function sampleReasoningTokens(distribution: TokenDistribution, random: () => number): number {
  const drawn = Math.round(logNormal(random, distribution.median, distribution.sigma));
  return Math.min(distribution.max, Math.max(distribution.min, drawn));
}

/** Full output before `max_tokens`, and how many of its leading characters are chain of thought. */
function layout(shape: ReasoningShape, reasoning: string, answer: string): [OutputSegment[], number] {
  switch (shape) {
    case 'reasoning_content':
    case 'reasoning':
      return [
        [
          { field: shape, text: reasoning },
          { field: 'content', text: answer },
        ],
        reasoning.length,
      ];
    case 'think_tags': {
      const thought = `<think>\n${reasoning}\n</think>\n\n`;
      return [[{ field: 'content', text: thought + answer }], thought.length];
    }
    case 'closing_think_only': {
      const thought = `${reasoning}\n</think>\n\n`;
      return [[{ field: 'content', text: thought + answer }], thought.length];
    }
  }
}

/** Cut the output to `budget` characters, keeping every segment (possibly empty). */
function truncate(segments: readonly OutputSegment[], budget: number): OutputSegment[] {
  let remaining = budget;
  return segments.map((segment) => {
    const text = segment.text.slice(0, remaining);
    remaining -= text.length;
    return { field: segment.field, text };
  });
}

/**
 * The R1-shaped response to a request: deterministic in (seed, prompt). The chain of thought has a
 * seeded log-normal length; `max_tokens` cuts the output (reasoning first) and sets finish_reason
 * `length`. Tokens are simulated as 4 characters; `reasoning_tokens` counts the emitted chain of
 * thought including any think tags.
 */
export function generateR1Response(request: R1Request, style: R1Style): R1Response {
  const random = mulberry32(deriveSeed(style.seed, 'answer', request.promptKey));
  const answer = answerForPrompt(request.promptText, request.promptKey);
  const labelling = labellingAnswer(request.promptText, style.seed, request.requestIndex ?? 0);
  const tokens = sampleReasoningTokens(style.reasoningTokens, random);
  const reasoning = reasoningText(request.promptText, labelling?.label ?? answer.value, tokens, random);
  const text = labelling?.text ?? answerText(answer);
  const [full, reasoningChars] = layout(style.shape, reasoning, text);
  const fullChars = full.reduce((sum, segment) => sum + segment.text.length, 0);
  const budget = request.maxTokens === null ? fullChars : request.maxTokens * CHARS_PER_TOKEN;
  const segments = budget < fullChars ? truncate(full, budget) : full;
  const emitted = segments.reduce((sum, segment) => sum + segment.text.length, 0);
  const promptTokens = estimateTokens(request.promptText);
  const completionTokens = Math.ceil(emitted / CHARS_PER_TOKEN);
  const reasoningTokens = Math.ceil(Math.min(emitted, reasoningChars) / CHARS_PER_TOKEN);
  return {
    segments,
    finishReason: emitted < fullChars ? 'length' : 'stop',
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      ...(style.reportReasoningTokens
        ? { completion_tokens_details: { reasoning_tokens: reasoningTokens } }
        : {}),
    },
    answer,
  };
}

/** The text of a field, as a non-streamed message carries it. */
export function fieldText(response: R1Response, field: OutputField): string | null {
  const texts = response.segments.filter((segment) => segment.field === field).map((segment) => segment.text);
  return texts.length === 0 ? null : texts.join('');
}
