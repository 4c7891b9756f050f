import { isTerminalJobStatus } from '@thinkbatch/core';
import type { ApiConnection } from './api-connection';
import { CLIENT_EXIT_CODES, ClientError } from './client-error';
import type { TextSink } from './client-io';
import type { JobView } from './job-view-text';

/** How often `--wait` and `--watch` ask for the job. @default 1000 ms */
export const DEFAULT_WATCH_INTERVAL_MS = 1_000;

/** What a watcher saw change: status, counts, tokens or the cancel flag (not the ETA alone). */
function changeKey(job: JobView): string {
  return JSON.stringify([job.status, job.progress, job.tokens.total_tokens, job.cancel_requested]);
}

/** Failed polls in a row (timeouts, resets, 5xx) a watcher rides out before it gives up. */
const TOLERATED_FAILED_POLLS = 5;

/**
 * Poll a job until it is terminal, calling `onChange` with the first view and each one that differs;
 * returns the terminal view. A few transient failures in a row are waited out; Ctrl-C (SIGINT) stops
 * watching with a `ClientError` saying the job goes on.
 */
export async function watchJob(
  connection: ApiConnection,
  jobId: string,
  options: { readonly intervalMs: number; readonly onChange: (job: JobView) => void },
): Promise<JobView> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  try {
    let last: string | undefined;
    let failed = 0;
    for (;;) {
      const job = await connection
        .call((client) => client.GET('/v1/jobs/{id}', { params: { path: { id: jobId } } }), jobId)
        .catch((error: unknown) => {
          if (!(error instanceof ClientError && error.retryable) || ++failed > TOLERATED_FAILED_POLLS)
            throw error;
          return null;
        });
      if (job !== null) {
        failed = 0;
        const key = changeKey(job);
        if (key !== last) options.onChange(job);
        last = key;
        if (isTerminalJobStatus(job.status)) return job;
      }
      await sleep(options.intervalMs, stop.signal);
      if (stop.signal.aborted)
        throw new ClientError(
          `stopped watching; job ${jobId} goes on: thinkbatch status ${jobId} --watch`,
          CLIENT_EXIT_CODES.interrupted,
        );
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** A progress line: redrawn in place on a terminal, one line per change otherwise (logs, pipes). */
export interface ProgressLine {
  show(text: string): void;
  /** Leave the last line on screen and move below it. */
  end(): void;
}

export function createProgressLine(sink: TextSink): ProgressLine {
  let drawn = false;
  return {
    show(text) {
      if (sink.isTTY === true) {
        sink.write(`\r\x1b[2K${text}`);
        drawn = true;
      } else sink.write(`${text}\n`);
    },
    end() {
      if (drawn) sink.write('\n');
      drawn = false;
    },
  };
}
