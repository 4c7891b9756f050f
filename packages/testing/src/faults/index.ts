export * from './sdk-fault-injection';
export * from './sdk-fault-plan';
