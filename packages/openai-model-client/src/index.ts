export * from './openai-model-client';
