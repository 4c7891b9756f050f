export * from './cli-args';
export * from './fault';
export * from './prompt-answer';
export * from './prompt-key';
export * from './server';
export * from './simulator-options';
export * from './simulator-stats';
export * from './token-count';
