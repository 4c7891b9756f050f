export * from '../rate-control/testing/index';
export * from './contracts/index';
export * from './fake-clock';
export * from './fake-model-client';
export * from './in-memory-job-store';
export * from './in-memory-object-store';
export * from './in-memory-work-queue';
export * from './pipeline-harness';
