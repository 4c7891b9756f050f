import type { JobRecord } from '../job/job';
import type { JobDefaults } from '../job/job-defaults';
import { resolveJobDefaults } from '../job/job-defaults';
import type { PipelineConfig } from './pipeline-deps';

/** The request defaults a job applies to its lines: its own options over the deployment's model. */
export function jobRequestDefaults(
  config: Pick<PipelineConfig, 'defaultModel'>,
  job: JobRecord,
): JobDefaults {
  const { model, temperature, top_p, max_tokens, foldSystemPrompt } = job.options;
  return resolveJobDefaults({
    model: model ?? config.defaultModel,
    ...(temperature !== undefined && { temperature }),
    ...(top_p !== undefined && { top_p }),
    ...(max_tokens !== undefined && { max_tokens }),
    ...(foldSystemPrompt !== undefined && { foldSystemPrompt }),
  });
}
