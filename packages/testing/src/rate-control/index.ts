export * from './endpoint-limit-flag-names';
export * from './rate-gate-contract';
export * from './rate-gate-simulation';
export * from './shared-endpoint-job';
export * from './simulated-endpoint';
export * from './virtual-clock';
