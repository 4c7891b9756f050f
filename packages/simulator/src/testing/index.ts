// The simulator's test kit, for tests in other packages (`@thinkbatch/simulator/testing`): a harness that
// starts simulators on a manual clock, the clock itself, and a plain-fetch chat client. Not for production code.
export * from './chat-client';
export * from './manual-clock';
export * from './simulator-harness';
