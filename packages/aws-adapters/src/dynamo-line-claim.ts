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
 * One conditional update that starts an attempt of a line: adds one to `attempts[line]` and sets
 * `leases[line]` to the claim's holder and end. The condition refuses a missing chunk, a line that is not
 * in the chunk, a recorded line, and a line leased by another holder whose lease ends after `now`.
 */
export function claimUpdate(line: number, claim: LineClaim): LineUpdate {
  const x = createExpressionContext();
  const key = String(line);
  const attempts = x.path('attempts', key);
  const lease = x.path('leases', key);
  const holder = x.value(claim.holder);
  const UpdateExpression = `SET ${attempts} = if_not_exists(${attempts}, ${x.value(0)}) + ${x.value(1)}, ${lease} = ${x.value({ holder: claim.holder, until: epochMs(claim.until, 'until') })}`;
  const free = `attribute_not_exists(${lease}) OR ${x.path('leases', key, 'until')} <= ${x.value(epochMs(claim.now, 'now'))} OR ${x.path('leases', key, 'holder')} = ${holder}`;
  const ConditionExpression = `attribute_exists(${x.path(PK)}) AND contains(${x.path('lineSet')}, ${x.value(line)}) AND attribute_not_exists(${x.path('recorded', key)}) AND (${free})`;
  return { UpdateExpression, ConditionExpression, ...x.attributes() };
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
 * Why a claim's condition failed, read from the chunk afterwards (consistently): `recorded`, `held` with
 * the lease that won, or null when the chunk now allows the claim (the lease was released or recorded
 * and dropped in between), so the caller should try again. A line not in the chunk throws.
 */
export function refusedClaim(
  chunk: ChunkRecord,
  line: number,
  claim: LineClaim,
): Exclude<LineAttemptClaim, { kind: 'claimed' }> | null {
  if (!chunk.lines.includes(line)) {
    throw new JobStoreError(`line ${line} is not in chunk ${chunk.index} of job ${chunk.jobId}`, {
      code: ErrorCode.conflict,
    });
  }
  const key = String(line);
  if (chunk.recorded[key] !== undefined) return { kind: 'recorded' };
  const lease = chunk.leases[key];
  if (lease === undefined || lease.until <= claim.now || lease.holder === claim.holder) return null;
  return { kind: 'held', holder: lease.holder, until: lease.until };
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
