import { JOBS_TABLE_ARGS } from './args/table';

/** Job state: one partition per job (job item and chunk items), and the index of unfinished jobs. */
export const jobsTable = new sst.aws.Dynamo('Jobs', JOBS_TABLE_ARGS);
