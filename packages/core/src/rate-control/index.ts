export * from './in-memory-rate-gate';
export type { Allowance, CallOutcome, CallResult } from './rate-controller';
export * from './rate-gate';
export * from './rate-gate-key';
export * from './rate-gate-settings';
export * from './rate-gate-snapshot';
export * from './rate-gate-state';
export * from './rate-permits';
