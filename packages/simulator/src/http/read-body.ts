import type { IncomingMessage } from 'node:http';

export type BodyRead =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: 'too_large' };

/** Read a request body as UTF-8, refusing (but still draining) more than `limitBytes`. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyRead> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    const buffer = Buffer.isBuffer(part) ? part : Buffer.from(String(part));
    size += buffer.length;
    if (size <= limitBytes) parts.push(buffer);
  }
  return size > limitBytes
    ? { ok: false, reason: 'too_large' }
    : { ok: true, text: Buffer.concat(parts).toString('utf8') };
}
