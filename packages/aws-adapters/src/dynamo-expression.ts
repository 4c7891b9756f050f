import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { convertToAttr, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';

/**
 * Placeholders for one DynamoDB expression: every attribute name becomes `#nX` (so reserved words such as
 * `status`, `index` or `lines` never matter) and every value `:vX`.
 */
export interface ExpressionContext {
  /** A document path, one placeholder per segment: `path('recorded', '12')` → `#n0.#n1`. */
  path(...segments: string[]): string;
  /** A value placeholder (the same native value may be given twice; it gets two placeholders). */
  value(value: NativeAttributeValue): string;
  /** The names and values to send with the expression(s). */
  attributes(): {
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues?: Record<string, AttributeValue>;
  };
}

/** A fresh placeholder context for one request. */
export function createExpressionContext(): ExpressionContext {
  const names = new Map<string, string>();
  const values: Record<string, AttributeValue> = {};
  let valueCount = 0;
  const name = (segment: string): string => {
    const known = names.get(segment);
    if (known !== undefined) return known;
    const placeholder = `#n${names.size}`;
    names.set(segment, placeholder);
    return placeholder;
  };
  return {
    path: (...segments) => segments.map(name).join('.'),
    value: (value) => {
      const placeholder = `:v${valueCount}`;
      valueCount += 1;
      values[placeholder] = convertToAttr(value);
      return placeholder;
    },
    attributes: () => ({
      ExpressionAttributeNames: Object.fromEntries(
        [...names].map(([segment, placeholder]) => [placeholder, segment]),
      ),
      ...(valueCount === 0 ? {} : { ExpressionAttributeValues: values }),
    }),
  };
}
