import type { LineRecord } from '@thinkbatch/core';
import { lineCounterDelta } from '@thinkbatch/core';
import { createExpressionContext, type ExpressionContext } from './dynamo-expression';
import { counterAttributes, PK } from './dynamo-job-items';

/** The parts of an UpdateItem request that record one line. */
export interface LineUpdate {
  readonly UpdateExpression: string;
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues?: ReturnType<
    ExpressionContext['attributes']
  >['ExpressionAttributeValues'];
}

/**
 * One conditional update that records a line exactly once: stores where its result is, adds what the
 * core's counting rule (`lineCounterDelta`) says the line adds to the chunk's flat counters (an `ADD` per
 * counter it changes; every counter exists from the chunk's creation), and drops the line's lease. The
 * condition refuses a line that is not in the chunk or is already recorded.
 */
export function lineUpdate(record: LineRecord): LineUpdate {
  const x = createExpressionContext();
  const line = String(record.line);
  const adds = Object.entries(counterAttributes(lineCounterDelta(record)))
    .filter(([, by]) => by !== 0)
    .map(([attribute, by]) => `${x.path(attribute)} ${x.value(by)}`);
  const recorded = x.path('recorded', line);
  const UpdateExpression = `SET ${recorded} = ${x.value({ status: record.status, resultKey: record.resultKey })} REMOVE ${x.path('leases', line)} ADD ${adds.join(', ')}`;
  const ConditionExpression = `attribute_exists(${x.path(PK)}) AND contains(${x.path('lineSet')}, ${x.value(record.line)}) AND attribute_not_exists(${recorded})`;
  return { UpdateExpression, ConditionExpression, ...x.attributes() };
}
