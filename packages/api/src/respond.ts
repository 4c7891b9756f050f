import { ThinkbatchError } from '@thinkbatch/core';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

/**
 * Answer `body` as JSON after validating it with the route's response schema: a response the document
 * does not describe is a bug (500), never sent.
 */
export function respond<S extends z.ZodType, Status extends ContentfulStatusCode>(
  c: Context,
  schema: S,
  body: z.input<S>,
  status: Status,
) {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new ThinkbatchError(`response does not match its schema: ${parsed.error.message}`, {
      cause: parsed.error,
    });
  return c.json(parsed.data as z.output<S>, status);
}
