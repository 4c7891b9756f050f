// The soak: one seed → a scenario mixing every fault (endpoint, emulators, workers, S3 events, several
// jobs), and the queue-level checker run over what the jobs left. The runner lives beside the stack in
// test/faults/soak-run.ts (it needs the embedded runtime, which this kit cannot depend on).
export * from './soak-checker';
export * from './soak-crashes';
export * from './soak-dice';
export * from './soak-endpoint';
export * from './soak-input';
export * from './soak-report';
export * from './soak-scenario';
export * from './soak-scenario-types';
