// Helpers for driving the simulator in tests: a harness that starts simulators on a manual clock, the clock
// itself, and a plain-fetch chat client. Reaches the simulator only through `@thinkbatch/simulator`.
export * from './chat-client';
export * from './manual-clock';
export * from './simulator-harness';
