import { z } from 'zod';
import { WorkMessage } from './work-message';

/**
 * The characters SQS accepts in a message body (SendMessage, SQS API Reference): #x9 | #xA | #xD | #x20–#xD7FF |
 * #xE000–#xFFFD | #x10000–#x10FFFF. Lone surrogates, U+FFFE, U+FFFF and most C0 controls are refused.
 */
const SQS_BODY = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/** Whether SQS would accept `body` character by character (the size limit is checked apart). */
export function isSqsMessageBody(body: string): boolean {
  return SQS_BODY.test(body);
}

/** Every UTF-16 code unit outside printable ASCII (U+0020–U+007E). */
const NOT_PRINTABLE_ASCII = /[^\u0020-\u007E]/g;

/**
 * The body of a work message on the queue: its JSON with every character outside printable ASCII written
 * as a `\uXXXX` escape, so the body is pure ASCII whatever the strings hold. Custom ids come from user
 * input and may hold characters SQS refuses (U+FFFF, emoji on some emulators) or lone surrogates, which
 * UTF-8 cannot carry; escaped, they reach the worker exactly. The body's length is its size in bytes.
 */
export function encodeWorkMessageBody(message: WorkMessage): string {
  // JSON.stringify leaves no character outside a string literal that is not printable ASCII, so each one
  // replaced is inside a string, where `\uXXXX` of its code unit means the same (pairs recombine).
  return JSON.stringify(message).replace(
    NOT_PRINTABLE_ASCII,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Outcome of {@link decodeWorkMessageBody}. */
export type DecodedWorkMessageBody =
  | { readonly kind: 'ok'; readonly message: WorkMessage }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Read a work message body (JSON, escaped or not) back into a checked `WorkMessage`. */
export function decodeWorkMessageBody(body: string): DecodedWorkMessageBody {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { kind: 'invalid', reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const parsed = WorkMessage.safeParse(json);
  if (!parsed.success)
    return { kind: 'invalid', reason: `not a work message:\n${z.prettifyError(parsed.error)}` };
  return { kind: 'ok', message: parsed.data };
}
