import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ApiClient, createApiClient } from '@thinkbatch/api/client';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** The checked-in OpenAPI document: what the tests hold the running API to. */
const DOCUMENT_PATH = join(import.meta.dirname, '../../packages/api/openapi.json');
const document: unknown = JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8'));

// OpenAPI 3.1 schemas are JSON Schema 2020-12; `example` and friends are annotations (strict off).
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema(document as object, 'openapi.json');

const validators = new Map<string, ValidateFunction>();
const pointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** The validator of the response the document declares for this path, method and status. */
function responseValidator(schemaPath: string, method: string, status: number): ValidateFunction {
  const key = `${method} ${schemaPath} ${status}`;
  let validate = validators.get(key);
  if (validate === undefined) {
    const ref = `openapi.json#/paths/${pointer(schemaPath)}/${method.toLowerCase()}/responses/${status}/content/${pointer('application/json')}/schema`;
    try {
      validate = ajv.compile({ $ref: ref });
    } catch (error) {
      throw new Error(`the document declares no JSON response ${status} for ${method} ${schemaPath}`, {
        cause: error,
      });
    }
    validators.set(key, validate);
  }
  return validate;
}

/**
 * A client generated from the checked-in document (openapi-typescript types + openapi-fetch) that also
 * checks every response against it: a status the document does not declare for the route, or a body
 * its schema refuses, fails the call. So every test through it proves the document true.
 */
export function createDocumentClient(options: { baseUrl: string; token?: string }): ApiClient {
  const client = createApiClient(options);
  client.use({
    onResponse: async ({ request, response, schemaPath }) => {
      const validate = responseValidator(schemaPath, request.method, response.status);
      const body: unknown = await response.clone().json();
      if (!validate(body)) {
        throw new Error(
          `${request.method} ${schemaPath} answered ${response.status} with a body the document refuses: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2_000)}`,
        );
      }
      return undefined;
    },
  });
  return client;
}
