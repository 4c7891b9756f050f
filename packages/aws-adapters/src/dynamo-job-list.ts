import type { JobListPage, JobListQuery, JobRecord, JobStatus } from '@thinkbatch/core';
import { JobStatus as JobStatusSchema, jobListPosition, matchesJobListQuery } from '@thinkbatch/core';
import { createExpressionContext } from './dynamo-expression';
import { CREATED_KEY, INPUT_KEY, type Item, PK, STATUS_KEY } from './dynamo-job-items';
import type { DynamoTable } from './dynamo-table';

/** One index entry: the job's position (its `createdKey`) and its partition key. */
interface IndexEntry {
  readonly position: string;
  readonly pk: string;
}

/** What {@link createJobLister} needs. */
export interface JobListerOptions {
  readonly table: DynamoTable;
  /** Consistent read of one job. */
  readonly getJob: (jobId: string) => Promise<JobRecord | null>;
  readonly byStatusIndex: string;
  readonly byInputIndex: string;
}

/** Partition key `JOB#<jobId>` back to the job id. */
const jobIdOf = (pk: string): string => pk.slice('JOB#'.length);

/**
 * `JobStore.listJobs` on the two job-list indexes (KEYS_ONLY, range key `createdKey` = the job's list
 * position): by input key when one is asked (filtering the status on the job itself), else by status —
 * one partition per status, merged newest first when every status is asked. Each listed key is read back
 * consistently and kept only if the job still matches (the indexes are eventually consistent).
 */
export function createJobLister(options: JobListerOptions): (query: JobListQuery) => Promise<JobListPage> {
  const { table, getJob } = options;

  /** Entries of one index partition, newest first, strictly after `after`, paged lazily. */
  async function* partition(
    index: string,
    hashAttribute: string,
    hashValue: string,
    after: string | undefined,
    pageSize: number,
  ): AsyncGenerator<IndexEntry> {
    let start: Item | undefined;
    do {
      const x = createExpressionContext();
      const before = after === undefined ? '' : ` AND ${x.path(CREATED_KEY)} < ${x.value(after)}`;
      const page = await table.queryIndex(`Query ${index} ${hashValue}`, index, {
        KeyConditionExpression: `${x.path(hashAttribute)} = ${x.value(hashValue)}${before}`,
        ScanIndexForward: false,
        Limit: pageSize,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        ...x.attributes(),
      });
      for (const item of page.Items ?? []) {
        const position = item[CREATED_KEY]?.S;
        const pk = item[PK]?.S;
        if (position !== undefined && pk !== undefined) yield { position, pk };
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }

  return async (query) => {
    const { after, limit } = query;
    // One more than the page, to know whether another page follows.
    const pageSize = limit + 1;
    const sources =
      query.inputKey !== undefined
        ? [partition(options.byInputIndex, INPUT_KEY, query.inputKey, after, pageSize)]
        : statusesOf(query.status).map((status) =>
            partition(options.byStatusIndex, STATUS_KEY, status, after, pageSize),
          );
    const jobs: JobRecord[] = [];
    try {
      for await (const entry of mergeNewestFirst(sources)) {
        const job = await getJob(jobIdOf(entry.pk));
        if (job === null || !matchesJobListQuery(job, query)) continue;
        jobs.push(job);
        if (jobs.length === pageSize) break;
      }
    } finally {
      await Promise.all(sources.map((source) => source.return(undefined)));
    }
    const page = jobs.slice(0, limit);
    const last = page.at(-1);
    return { jobs: page, next: jobs.length > limit && last !== undefined ? jobListPosition(last) : null };
  };
}

/** The statuses to read: the one asked, else all of them. */
function statusesOf(status: JobStatus | undefined): readonly JobStatus[] {
  return status === undefined ? JobStatusSchema.options : [status];
}

/** Merge sources that are each newest first (position descending) into one, newest first. */
async function* mergeNewestFirst(sources: readonly AsyncGenerator<IndexEntry>[]): AsyncGenerator<IndexEntry> {
  const heads = await Promise.all(sources.map((source) => source.next()));
  for (;;) {
    let best = -1;
    for (const [i, head] of heads.entries()) {
      if (head.done === true) continue;
      const current = heads[best];
      if (best < 0 || (current?.done === false && head.value.position > current.value.position)) best = i;
    }
    const winner = heads[best];
    const source = sources[best];
    if (winner === undefined || winner.done === true || source === undefined) return;
    yield winner.value;
    heads[best] = await source.next();
  }
}
