export * from './async-invoke';
export * from './emulators/index';
export * from './fenced-deps';
export * from './local-runtime';
export * from './s3-event';
export * from './sqs-event-source';
export * from './upload-notifier';
