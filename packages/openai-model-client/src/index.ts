export * from './node-http-fetch';
export * from './openai-model-client';
