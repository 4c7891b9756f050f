export { createDeadLetterHandler } from './dead-letter';
export { type DepsProvider, once } from './deps-provider';
export { createFanOutHandler, decodeS3Key } from './fan-out';
export { processSqsRecords } from './sqs-batch';
export { createWorkerHandler, type WorkerContext } from './worker';
