import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createApiApp } from './app';
import { openApiDocument, openApiDocumentText } from './openapi-document';
import { GENERATED_FILES, typesOf } from './openapi-files';

const OUT_OF_DATE = 'out of date: run `pnpm generate:api` and commit the result';

describe('the checked-in OpenAPI files', () => {
  it(`openapi.json is the document the routes make (${OUT_OF_DATE})`, async () => {
    expect(await readFile(GENERATED_FILES.document, 'utf8'), OUT_OF_DATE).toBe(openApiDocumentText());
  });

  it(`the client's types are openapi-typescript's of the checked-in document (${OUT_OF_DATE})`, async () => {
    const document = await readFile(GENERATED_FILES.document, 'utf8');
    expect(await readFile(GENERATED_FILES.types, 'utf8'), OUT_OF_DATE).toBe(await typesOf(document));
  });

  it('is the document the app serves at GET /v1/openapi.json, with the token', async () => {
    const token = 'document-test-token-123';
    const unused = (): never => {
      throw new Error('not used');
    };
    const app = createApiApp({
      jobs: {} as never,
      input: { bucket: 'in' } as never,
      output: { bucket: 'out' } as never,
      uploads: { uploaded: unused, expect: unused },
      clock: { now: () => 0, sleep: unused },
      log: { info: () => {}, warn: () => {}, error: () => {} },
      token,
    });
    const served = await app.request('/v1/openapi.json', { headers: { authorization: `Bearer ${token}` } });
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(openApiDocument());
  });

  it('documents every route with its operation, auth on all but the health check, and errors as ErrorResponse', () => {
    const document = openApiDocument();
    const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item ?? {}).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort()).toEqual([
      'GET /v1/health',
      'GET /v1/jobs',
      'GET /v1/jobs/{id}',
      'GET /v1/jobs/{id}/merged-results',
      'GET /v1/jobs/{id}/results',
      'GET /v1/jobs/{id}/stats',
      'POST /v1/jobs',
      'POST /v1/jobs/{id}/cancel',
      'POST /v1/jobs/{id}/retry',
    ]);
    for (const { path, operation } of operations) {
      const { security, responses } = operation as {
        security: unknown[];
        responses: Record<string, { content: { 'application/json': { schema: { $ref: string } } } }>;
      };
      expect(security).toEqual(path === '/v1/health' ? [] : [{ bearer: [] }]);
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) >= 400)
          expect(response.content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorResponse');
      }
    }
  });
});
