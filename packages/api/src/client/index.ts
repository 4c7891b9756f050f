import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './openapi';

export type { components, operations, paths } from './openapi';

/** Options of {@link createApiClient}. */
export interface ApiClientOptions {
  /** Where the API is, e.g. `http://127.0.0.1:8787` (no `/v1`). */
  readonly baseUrl: string;
  /** The bearer token; none for the health check alone. */
  readonly token?: string;
  /** @default globalThis.fetch */
  readonly fetch?: (request: Request) => Promise<Response>;
}

/** A typed client of the API, generated from its checked-in OpenAPI document (openapi-fetch). */
export type ApiClient = Client<paths>;

/** A client of the API: every path, parameter and body typed by the document. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } }),
  });
}
