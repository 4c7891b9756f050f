import { isTerminalJobStatus } from '@thinkbatch/core';
import type { ApiConnection } from './api-connection';
import type { TextSink } from './client-io';
import type { JobView } from './job-view-text';

/** How often `--wait` and `--watch` ask for the job. @default 1000 ms */
export const DEFAULT_WATCH_INTERVAL_MS = 1_000;

/** What a watcher saw change: status, counts, tokens or the cancel flag (not the ETA alone). */
function changeKey(job: JobView): string {
  return JSON.stringify([job.status, job.progress, job.tokens.total_tokens, job.cancel_requested]);
}

/**
 * Poll a job until it is terminal, calling `onChange` with the first view and each one that differs;
 * returns the terminal view.
 */
export async function watchJob(
  connection: ApiConnection,
  jobId: string,
  options: { readonly intervalMs: number; readonly onChange: (job: JobView) => void },
): Promise<JobView> {
  let last: string | undefined;
  for (;;) {
    const job = await connection.call(
      (client) => client.GET('/v1/jobs/{id}', { params: { path: { id: jobId } } }),
      jobId,
    );
    const key = changeKey(job);
    if (key !== last) options.onChange(job);
    last = key;
    if (isTerminalJobStatus(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
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
