import { createExpressionContext } from './dynamo-expression';
import { CHUNK_SORT_PREFIX, type Item, jobPartition, PK, SK } from './dynamo-job-items';
import { cancelMarkUpdate } from './dynamo-line-claim';
import type { DynamoTable } from './dynamo-table';

/** Chunk marks written at once while a cancel spreads over a job's chunks. */
const MARKS_IN_FLIGHT = 16;

/**
 * Put the cancel mark on every chunk of a job (`CANCEL_MARK`): claims of their lines are refused from
 * then on. Reads only the chunks' keys; one conditional update per chunk, a page at a time. A chunk
 * deleted meanwhile is skipped.
 */
export async function markChunksCancelled(table: DynamoTable, jobId: string): Promise<void> {
  let start: Item | undefined;
  do {
    const x = createExpressionContext();
    const page = await table.query(`Query chunk keys of job ${jobId}`, {
      KeyConditionExpression: `${x.path(PK)} = ${x.value(jobPartition(jobId))} AND begins_with(${x.path(SK)}, ${x.value(CHUNK_SORT_PREFIX)})`,
      ProjectionExpression: `${x.path(PK)}, ${x.path(SK)}`,
      ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      ...x.attributes(),
    });
    const keys = (page.Items ?? []).flatMap((item) => {
      const pk = item[PK];
      const sk = item[SK];
      return pk === undefined || sk === undefined ? [] : [{ [PK]: pk, [SK]: sk }];
    });
    for (let i = 0; i < keys.length; i += MARKS_IN_FLIGHT) {
      await Promise.all(
        keys.slice(i, i + MARKS_IN_FLIGHT).map((Key) =>
          table.update(`UpdateItem chunk ${String(Key[SK]?.S)} of job ${jobId} cancel mark`, {
            Key,
            ...cancelMarkUpdate(),
            ReturnValues: 'NONE',
          }),
        ),
      );
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
}
