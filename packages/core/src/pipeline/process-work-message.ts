import type { WorkMessage } from '../job/work-message';
import { continueFanOut } from './fan-out';
import { finalizeJob } from './finalize-job';
import type { PipelineDeps } from './pipeline-deps';
import { type Invocation, runChunk } from './run-chunk';

/** Handle one message of the work queue. Throws only when the message should come back. */
export async function processWorkMessage(
  deps: PipelineDeps,
  message: WorkMessage,
  invocation: Invocation,
): Promise<void> {
  switch (message.type) {
    case 'run_chunk':
      await runChunk(deps, message, invocation);
      return;
    case 'finalize_job':
      await finalizeJob(deps, message.jobId, {
        deadline: invocation.deadline,
        continuations: message.continuations ?? 0,
      });
      return;
    case 'continue_fan_out':
      await continueFanOut(deps, message.jobId, {
        deadline: invocation.deadline,
        continuations: message.continuations,
      });
      return;
  }
}
