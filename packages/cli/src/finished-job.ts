import { CLIENT_EXIT_CODES } from './client-error';
import { type ClientIo, printJson } from './client-io';
import { describeJobView, type JobView } from './job-view-text';

/** Print a finished job (JSON or for people); exit code 0 only when it completed. */
export function finishedJob(job: JobView, json: boolean, io: ClientIo): number {
  if (json) printJson(io.stdout, job);
  else io.stdout.write(`${describeJobView(job)}results: thinkbatch results ${job.id} --out DIR\n`);
  return job.status === 'completed' ? CLIENT_EXIT_CODES.ok : CLIENT_EXIT_CODES.failed;
}
