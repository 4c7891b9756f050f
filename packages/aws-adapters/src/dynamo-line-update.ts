import type { LineRecord } from '@thinkbatch/core';
import { addChunkCounters, emptyChunkCounters, lineCounterDelta } from '@thinkbatch/core';
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
 * counter it changes; ADD creates a counter the chunk item lacks), and drops the line's lease. The
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

/**
 * Lines one group update records at most: DynamoDB caps an update and a condition expression at 4 KB
 * each, and a line costs about 60 characters in each.
 */
export const MAX_LINES_PER_UPDATE = 25;

/**
 * One conditional update that records several distinct lines of a chunk at once (a group commit): the
 * `lineUpdate` of each, their counters summed into one `ADD` per counter. The condition refuses the whole
 * group when any line is not in the chunk or is recorded already; the caller then records line by line.
 */
export function linesUpdate(records: readonly LineRecord[]): LineUpdate {
  const x = createExpressionContext();
  const delta = records.reduce(
    (sum, record) => addChunkCounters(sum, lineCounterDelta(record)),
    emptyChunkCounters(),
  );
  const adds = Object.entries(counterAttributes(delta))
    .filter(([, by]) => by !== 0)
    .map(([attribute, by]) => `${x.path(attribute)} ${x.value(by)}`);
  const sets: string[] = [];
  const removes: string[] = [];
  const conditions = [`attribute_exists(${x.path(PK)})`];
  for (const record of records) {
    const line = String(record.line);
    const recorded = x.path('recorded', line);
    sets.push(`${recorded} = ${x.value({ status: record.status, resultKey: record.resultKey })}`);
    removes.push(x.path('leases', line));
    conditions.push(
      `contains(${x.path('lineSet')}, ${x.value(record.line)})`,
      `attribute_not_exists(${recorded})`,
    );
  }
  const UpdateExpression = `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}${adds.length === 0 ? '' : ` ADD ${adds.join(', ')}`}`;
  return { UpdateExpression, ConditionExpression: conditions.join(' AND '), ...x.attributes() };
}
