export * from './chat';
export * from './chat-completion';
export * from './clock';
export * from './errors';
export * from './model-client';
export * from './result-line';
export * from './usage';
