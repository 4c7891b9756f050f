// The job API: the Hono app over the core ports, its schemas and its OpenAPI document.
export * from './api-access-env';
export * from './api-deps';
export * from './api-error';
export * from './app';
export { isToken } from './bearer-auth';
export * from './openapi-document';
export type { RateLimitConfig } from './rate-limit';
export * from './schemas/job-view';
export * from './schemas/requests';
