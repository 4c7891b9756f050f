export { type AsyncFailureRecord, asyncFailureRecord, readAsyncFailureRecord } from './async-failure-record';
export { createDeadLetterHandler } from './dead-letter';
export { type DepsProvider, once } from './deps-provider';
export { createFanOutHandler, decodeS3Key, uploadEventOf } from './fan-out';
export { createFanOutFailureHandler } from './fan-out-failure';
export { processSqsRecords } from './sqs-batch';
export { createSweeperHandler } from './sweeper';
export { createWorkerHandler, type WorkerContext } from './worker';
