import { silentLogger, systemClock } from '@thinkbatch/core';
import type { ApiDeps } from './api-deps';
import { createApiApp, OPENAPI_INFO } from './app';

/** A port no request will reach: the document is generated from the routes, never by calling them. */
function unreachable<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_, property) => {
      if (property === 'bucket') return name;
      throw new Error(`${name} is not available while generating the OpenAPI document`);
    },
  });
}

/** The OpenAPI 3.1 document of the API, as `GET /v1/openapi.json` serves it (and `openapi.json` holds it). */
export function openApiDocument(): ReturnType<ReturnType<typeof createApiApp>['getOpenAPI31Document']> {
  const deps: ApiDeps = {
    jobs: unreachable('jobs'),
    input: unreachable('input'),
    output: unreachable('output'),
    uploads: unreachable('uploads'),
    clock: systemClock,
    log: silentLogger,
    token: 'document-generation-only',
  };
  return createApiApp(deps).getOpenAPI31Document(OPENAPI_INFO);
}

/** The document as it is checked in: 2-space JSON and a final newline. */
export function openApiDocumentText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
