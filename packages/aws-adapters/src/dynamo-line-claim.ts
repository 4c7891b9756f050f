import { randomUUID } from 'node:crypto';
import type { ChunkRecord, LineAttemptClaim, LineClaim } from '@thinkbatch/core';
import { ErrorCode, JobStoreError } from '@thinkbatch/core';
import { createExpressionContext } from './dynamo-expression';
import { type Item, PK } from './dynamo-job-items';
import type { LineUpdate } from './dynamo-line-update';

function epochMs(value: number, what: string): number {
  if (!Number.isSafeInteger(value))
    throw new JobStoreError(`${what} must be a safe integer (epoch ms), got ${value}`);
  return value;
}

/**
 * The chunk item's mark of a cancelled job (set by `requestCancel` on every chunk of the job): claims
 * refuse it, so a worker learns of a cancel from the claim it makes anyway.
 */
export const CANCEL_MARK = 'cancelRequested';

/** A claim with its attempt id: the one given, else a new one (made once per store call, before any retry). */
export type IdentifiedClaim = LineClaim & { readonly attemptId: string };

/** The claim with its attempt id, a new one when it has none. */
export function identifyClaim(claim: LineClaim): IdentifiedClaim {
  return { ...claim, attemptId: claim.attemptId ?? randomUUID() };
}

/**
 * One conditional update that starts an attempt of a line: adds one to `attempts[line]` and sets
 * `leases[line]` to the claim's holder, end and attempt id. The condition refuses a missing chunk, a chunk
 * of a cancelled job, a line that is not in the chunk, a recorded line, a line leased by another holder
 * whose lease ends after `now`, and a line whose lease already carries this attempt id (the same claim
 * applied before: its answer was lost and the SDK sent it again; `refusedClaim` tells it apart).
 */
export function claimUpdate(line: number, claim: IdentifiedClaim): LineUpdate {
  return claimsUpdate([line], claim);
}

/**
 * Lines one group claim takes at most: DynamoDB caps an update and a condition expression at 4 KB each,
 * and a line costs about 60 characters in the update and 130 in the condition.
 */
export const MAX_LINES_PER_CLAIM = 20;

/**
 * One conditional update that starts an attempt of each of several distinct lines of a chunk for the
 * same holder (a group claim): `claimUpdate` of each, refused as a whole when any line is not claimable.
 */
export function claimsUpdate(lines: readonly number[], claim: IdentifiedClaim): LineUpdate {
  const x = createExpressionContext();
  const zero = x.value(0);
  const one = x.value(1);
  const lease = x.value({
    holder: claim.holder,
    until: epochMs(claim.until, 'until'),
    attempt: claim.attemptId,
  });
  const attemptId = x.value(claim.attemptId);
  const holder = x.value(claim.holder);
  const now = x.value(epochMs(claim.now, 'now'));
  const sets: string[] = [];
  const conditions = [`attribute_exists(${x.path(PK)})`, `attribute_not_exists(${x.path(CANCEL_MARK)})`];
  for (const line of lines) {
    const key = String(line);
    const attempts = x.path('attempts', key);
    const leased = x.path('leases', key);
    sets.push(`${attempts} = if_not_exists(${attempts}, ${zero}) + ${one}`, `${leased} = ${lease}`);
    const free = `attribute_not_exists(${leased}) OR ${x.path('leases', key, 'until')} <= ${now} OR ${x.path('leases', key, 'holder')} = ${holder}`;
    conditions.push(
      `contains(${x.path('lineSet')}, ${x.value(line)})`,
      `attribute_not_exists(${x.path('recorded', key)})`,
      `(${free})`,
      // False for a lease without an id (or no lease): only the very same claim is refused.
      `NOT ${x.path('leases', key, 'attempt')} = ${attemptId}`,
    );
  }
  return {
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: conditions.join(' AND '),
    ...x.attributes(),
  };
}

/** One conditional update that marks a chunk of a cancelled job (refused only when the chunk is missing). */
export function cancelMarkUpdate(): LineUpdate {
  const x = createExpressionContext();
  return {
    UpdateExpression: `SET ${x.path(CANCEL_MARK)} = ${x.value(true)}`,
    ConditionExpression: `attribute_exists(${x.path(PK)})`,
    ...x.attributes(),
  };
}

/** One conditional update that drops a line's lease, refused unless `holder` holds it. */
export function releaseUpdate(line: number, holder: string): LineUpdate {
  const x = createExpressionContext();
  const key = String(line);
  return {
    UpdateExpression: `REMOVE ${x.path('leases', key)}`,
    ConditionExpression: `${x.path('leases', key, 'holder')} = ${x.value(holder)}`,
    ...x.attributes(),
  };
}

/**
 * Why a claim's condition failed, read from the chunk afterwards (consistently): `recorded`, `cancelled`
 * (the chunk carries the cancel mark), `claimed` with the count already set when the line's lease carries
 * this claim's attempt id (`leaseAttempt`, read from the item: the claim was applied and its answer lost),
 * `held` with the lease that won, or null when the chunk now allows the claim (the lease was released or
 * recorded and dropped in between), so the caller should try again. A line not in the chunk throws.
 */
export function refusedClaim(
  chunk: ChunkRecord,
  line: number,
  claim: IdentifiedClaim,
  cancelled = false,
  leaseAttempt: string | null = null,
): LineAttemptClaim | null {
  if (!chunk.lines.includes(line)) {
    throw new JobStoreError(`line ${line} is not in chunk ${chunk.index} of job ${chunk.jobId}`, {
      code: ErrorCode.conflict,
    });
  }
  const key = String(line);
  if (chunk.recorded[key] !== undefined) return { kind: 'recorded' };
  if (cancelled) return { kind: 'cancelled', attempts: chunk.attempts[key] ?? 0 };
  const lease = chunk.leases[key];
  const attempts = chunk.attempts[key];
  if (lease?.holder === claim.holder && leaseAttempt === claim.attemptId && attempts !== undefined)
    return { kind: 'claimed', attempts };
  if (lease === undefined || lease.until <= claim.now || lease.holder === claim.holder) return null;
  return { kind: 'held', holder: lease.holder, until: lease.until };
}

/** The attempt id of a line's lease in a chunk item as stored; null without a lease or an id. */
export function leaseAttemptOf(item: Item, line: number): string | null {
  return item['leases']?.M?.[String(line)]?.M?.['attempt']?.S ?? null;
}

/**
 * The attempt count a successful claim set, from the attributes it updated (`UPDATED_NEW`: the `attempts`
 * map holds at least the claimed line); null when it is not there or not a positive integer.
 */
export function claimedAttempts(updated: Item, line: number): number | null {
  const value = updated['attempts']?.M?.[String(line)]?.N;
  const attempts = value === undefined ? Number.NaN : Number(value);
  return Number.isSafeInteger(attempts) && attempts > 0 ? attempts : null;
}
