import { describeJobStoreContract } from './contracts/job-store-contract';
import { createInMemoryJobStore } from './in-memory-job-store';

describeJobStoreContract('in-memory', async () => ({ store: createInMemoryJobStore() }));
