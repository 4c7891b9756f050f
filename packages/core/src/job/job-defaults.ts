import { z } from 'zod';
import { parse } from '../errors/parse';
import { ENDPOINT } from '../settings';

/** Model used for lines that name none. */
export const DEFAULT_MODEL: string = ENDPOINT.model;

/** DeepSeek's recommended temperature for R1 (0.5–0.7, 0.6 recommended). */
export const DEFAULT_TEMPERATURE = 0.6;

/**
 * Request settings a job applies to every line that does not set them itself. A line's own value always
 * wins. Unknown keys are stripped, so a whole `JobOptions` object can be passed in.
 */
export const JobDefaults = z.object({
  /** Model for lines that name none. @default 'deepseek-ai/deepseek-r1' */
  model: z.string().min(1).max(256).default(DEFAULT_MODEL),
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
/** What a caller may give: every field optional. */
export type JobDefaultsInput = z.input<typeof JobDefaults>;

/** The defaults of a job that sets none. */
export const DEFAULT_JOB_DEFAULTS: Readonly<JobDefaults> = Object.freeze(JobDefaults.parse({}));

/**
 * Fill the unset fields of `input` with their defaults. Job options are validated at submission, so a
 * value that fails here is unusable configuration: throws `ConfigurationError`.
 */
export function resolveJobDefaults(input: JobDefaultsInput = {}): JobDefaults {
  return parse(JobDefaults, input, 'job defaults');
}
