import { z } from 'zod';
import { parse } from '../errors/parse';
import type { JobOptions } from './job';

/** DeepSeek's recommended temperature for R1 (0.5–0.7, 0.6 recommended). */
export const DEFAULT_TEMPERATURE = 0.6;

/**
 * Request settings a job applies to every line that does not set them itself. A line's own value always
 * wins. Unknown keys are stripped, so a whole `JobOptions` object can be passed in.
 */
export const JobDefaults = z.object({
  /** Model for lines that name none: the job's `model`, else the deployment's `PipelineConfig.defaultModel`. */
  model: z.string().min(1).max(256),
  /** Temperature for lines that give none. @default 0.6 */
  temperature: z.number().min(0).max(2).default(DEFAULT_TEMPERATURE),
  /** top_p for lines that give none; not sent when unset. */
  top_p: z.number().gt(0).max(1).optional(),
  /** max_tokens for lines that give none (nor `max_completion_tokens`); not sent when unset. */
  max_tokens: z.number().int().positive().optional(),
  /**
   * Fold system messages into the first user turn (`<system text>\n\n<user text>`): R1 is meant to be
   * prompted without a system prompt. When false, system messages are sent as they are.
   * @default true
   */
  foldSystemPrompt: z.boolean().default(true),
});
export type JobDefaults = z.output<typeof JobDefaults>;
/** What a caller may give: the model, and any of the rest. */
export type JobDefaultsInput = z.input<typeof JobDefaults>;

/**
 * Fill the unset fields of `input` with their defaults. Job options are validated at submission, so a
 * value that fails here is unusable configuration: throws `ConfigurationError`.
 */
export function resolveJobDefaults(input: JobDefaultsInput): JobDefaults {
  return parse(JobDefaults, input, 'job defaults');
}

/** The request defaults a job applies to its lines: its own options, over the deployment's default model. */
export function jobRequestDefaults(options: JobOptions, defaultModel: string): JobDefaults {
  return resolveJobDefaults({ ...options, model: options.model ?? defaultModel });
}
