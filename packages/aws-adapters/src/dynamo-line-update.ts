import type { LineRecord } from '@thinkbatch/core';
import { JobStoreError, USAGE_FIELDS } from '@thinkbatch/core';
import { createExpressionContext, type ExpressionContext } from './dynamo-expression';
import { COUNTER_ATTRIBUTE, PK, unknownUsageAttribute, usageAttribute } from './dynamo-job-items';

/** The parts of an UpdateItem request that record one line. */
export interface LineUpdate {
  readonly UpdateExpression: string;
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues?: ReturnType<
    ExpressionContext['attributes']
  >['ExpressionAttributeValues'];
}

function count(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new JobStoreError(`${what} must be a non-negative safe integer, got ${value}`);
  }
  return value;
}

/**
 * One conditional update that records a line exactly once: stores where its result is and adds its status,
 * attempts, retries and usage (known fields to their sums, unknown ones to their unknown counts) to the
 * chunk's flat counters, and drops the line's lease. The condition refuses a line that is not in the chunk or
 * is already recorded.
 */
export function lineUpdate(record: LineRecord): LineUpdate {
  const x = createExpressionContext();
  const line = String(record.line);
  const one = x.value(1);
  const adds = [
    `${x.path(COUNTER_ATTRIBUTE[record.status])} ${one}`,
    `${x.path(COUNTER_ATTRIBUTE.attempts)} ${x.value(count(record.attempts, 'attempts'))}`,
    `${x.path(COUNTER_ATTRIBUTE.retries)} ${x.value(Math.max(0, record.attempts - 1))}`,
  ];
  if (record.usage !== null) {
    adds.push(`${x.path(COUNTER_ATTRIBUTE.linesWithUsage)} ${one}`);
    for (const field of USAGE_FIELDS) {
      const value = record.usage[field];
      adds.push(
        value === null
          ? `${x.path(unknownUsageAttribute(field))} ${one}`
          : `${x.path(usageAttribute(field))} ${x.value(count(value, `usage.${field}`))}`,
      );
    }
  }
  const recorded = x.path('recorded', line);
  const UpdateExpression = `SET ${recorded} = ${x.value({ status: record.status, resultKey: record.resultKey })} REMOVE ${x.path('leases', line)} ADD ${adds.join(', ')}`;
  const ConditionExpression = `attribute_exists(${x.path(PK)}) AND contains(${x.path('lineSet')}, ${x.value(record.line)}) AND attribute_not_exists(${recorded})`;
  return { UpdateExpression, ConditionExpression, ...x.attributes() };
}
