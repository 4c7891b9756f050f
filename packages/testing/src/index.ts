// The test kit's public surface: in-memory fakes of the ports, the fake clock and model client, the
// contract suites every adapter runs, the pipeline harness, helpers for driving the simulator (a harness on a
// manual clock and a plain-fetch chat client) and shared fixtures. Only tests depend on this package.
export * from './arbitraries';
export * from './contracts/index';
export * from './emulators/drain-queue';
export * from './fake-clock';
export * from './fake-model-client';
export * from './faults/index';
export * from './fixtures/dynamo-item-bytes';
export * from './fixtures/failed-result-line';
export * from './fixtures/recording-logger';
export * from './fixtures/sqs-record';
export * from './in-memory-job-store';
export * from './in-memory-object-store';
export * from './in-memory-work-queue';
export * from './invariants/index';
export * from './pipeline-harness';
export * from './rate-control/index';
export * from './read-results-file';
export * from './simulator/index';
export * from './soak/index';
