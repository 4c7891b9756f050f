import { createRefusalTracker, ENDPOINT_REFUSED } from '../endpoint-refusal/refusal-tracker';
import type { JobError } from '../job/job';
import type { LineRef } from '../job/work-message';
import type { ModelClient } from '../ports/model-client';
import type { ResultLine } from '../results/result-line';
import type { PipelineDeps } from './pipeline-deps';
import { unansweredResult } from './record-line-result';

/**
 * How old a read of the job may be for a line to start on it: a stop another delivery set reaches this
 * one's next lines within this time (its own calls' refusals stop it at once). One read per line cost
 * 0.29 requests per line at 10,000 lines without limits; a stale read costs at most the calls of this
 * long, which the endpoint refuses and this delivery's tracker counts.
 */
export const REFUSAL_RECHECK_MS = 1_000;

/** What one delivery of a work item uses to stop spending calls on an endpoint that refuses them all. */
export interface EndpointRefusalGuard {
  /** The deps' model client, watched: the call that trips the tracker stops the job. */
  readonly model: ModelClient;
  /**
   * The invocation's signal, also aborted once this delivery knows the job stopped: lines waiting for
   * endpoint capacity hand themselves back at once instead of waiting on (their next delivery ends them
   * without a call). Calls already made are not cut short by the stop: `model` passes them the
   * invocation's signal alone, so their answers (and attempt counts) stay exact.
   */
  readonly signal: AbortSignal;
  /**
   * The result of a line that must not run because its job stopped on a refusal (found in the job
   * store, so a stop by any delivery counts), or null when the line may run.
   */
  stoppedLine(ref: LineRef, attempts: number): Promise<ResultLine | null>;
}

/**
 * Watch one delivery's calls for a job. When the tracker trips, the job's `error` is set (`endpoint_refused`,
 * saying what to fix) while it keeps running: lines not started yet end `failed` (`endpoint_rejected`,
 * no call) through the usual record, every line still gets its one result line, and the finalizer ends
 * the job `failed` with that error. Lines already in a call finish on their own.
 */
export function createEndpointRefusalGuard(
  deps: Pick<PipelineDeps, 'model' | 'jobs' | 'clock' | 'log' | 'config'>,
  jobId: string,
  known: JobError | null,
  invocationSignal?: AbortSignal,
): EndpointRefusalGuard {
  const tracker = createRefusalTracker(deps.config.endpointRefusalLimit);
  let stop: JobError | null = null;
  const stopped = new AbortController();
  const noteStop = (error: JobError): void => {
    stop = error;
    stopped.abort(new Error(`the job stopped: ${error.code}`));
  };
  if (known?.code === ENDPOINT_REFUSED) noteStop(known);
  let reading: Promise<JobError | null> | null = null;
  // `known` comes from the job the delivery read as it started.
  let lastReadStartedAt = deps.clock.now();

  const stopJob = async (error: JobError): Promise<void> => {
    noteStop(error);
    deps.log.error('endpoint refuses every call; stopping the job', { jobId, message: error.message });
    await deps.jobs.transitionJob(jobId, {
      from: ['validating', 'queued', 'running'],
      to: 'running',
      now: deps.clock.now(),
      error,
    });
  };

  return {
    signal: invocationSignal ? AbortSignal.any([stopped.signal, invocationSignal]) : stopped.signal,
    model: {
      complete: async (body, { signal: _stopOrInvocation, ...options }) => {
        const call = await deps.model.complete(body, {
          ...options,
          ...(invocationSignal && { signal: invocationSignal }),
        });
        const tripped = tracker.observe(call, body.model);
        if (tripped !== null) await stopJob(tripped);
        return call;
      },
    },
    stoppedLine: async (ref, attempts) => {
      if (stop === null && deps.clock.now() - lastReadStartedAt > REFUSAL_RECHECK_MS) {
        // Lines that ask while a read is under way share it (lines start in bursts): one read per burst.
        if (reading === null) {
          const startedAt = deps.clock.now();
          reading = deps.jobs
            .getJob(jobId)
            .then((job) => {
              lastReadStartedAt = Math.max(lastReadStartedAt, startedAt);
              return job?.error ?? null;
            })
            .finally(() => {
              reading = null;
            });
        }
        const error = await reading;
        if (error?.code === ENDPOINT_REFUSED) noteStop(error);
      }
      if (stop === null) return null;
      return unansweredResult({
        customId: ref.customId,
        line: ref.line,
        status: 'failed',
        attempts,
        model: null,
        error: {
          code: 'endpoint_rejected',
          message: `line ${ref.line}: stopped unanswered: the job stopped because ${stop.message}`,
        },
      });
    },
  };
}
