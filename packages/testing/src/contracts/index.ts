export * from './job-store-contract';
export * from './job-store-fixtures';
export * from './model-client-contract';
export * from './object-store-contract';
export * from './rejections';
export * from './work-queue-contract';
