import { createRoute } from '@hono/zod-openapi';
import { respond } from '../respond';
import { Health } from '../schemas/requests';
import type { ApiApp } from './route-kit';

export const healthRoute = createRoute({
  method: 'get',
  path: '/v1/health',
  operationId: 'getHealth',
  summary: 'Liveness (no token needed)',
  security: [],
  responses: { 200: { description: 'The API is up.', content: { 'application/json': { schema: Health } } } },
});

export function registerHealth(app: ApiApp): void {
  app.openapi(healthRoute, (c) => respond(c, Health, { status: 'ok' }, 200));
}
