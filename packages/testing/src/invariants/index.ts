// The invariant checker: reads a finished job's outputs beside the simulator's token ledger and reports
// every broken invariant at once. See README.md in this folder for what each invariant means exactly.
export * from './check-invariants';
export * from './collect-job-evidence';
export * from './input-lines';
export * from './invariant-types';
export * from './reported-usage';
