import type { ChunkRecord } from '@thinkbatch/core';
import { JobStoreError } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { chunkFromItem, newChunkItem } from './dynamo-job-items';
import { claimedAttempts, claimUpdate, refusedClaim, releaseUpdate } from './dynamo-line-claim';
import type { LineUpdate } from './dynamo-line-update';

/** The expressions with placeholders replaced by names and values, for readable assertions. */
function resolved(update: LineUpdate): { update: string; condition: string } {
  const substitute = (expression: string): string =>
    expression
      .replace(/#n\d+/g, (p) => update.ExpressionAttributeNames[p] ?? p)
      .replace(/:v\d+/g, (p) => {
        const value = update.ExpressionAttributeValues?.[p];
        if (value?.M !== undefined) return JSON.stringify(value.M);
        return value?.N ?? (value?.S === undefined ? p : `'${value.S}'`);
      });
  return { update: substitute(update.UpdateExpression), condition: substitute(update.ConditionExpression) };
}

const claim = { holder: 'h-1', until: 5_000, now: 1_000, attemptId: 'a-1' };

describe('claimUpdate', () => {
  it('adds an attempt and sets the lease, unless recorded or leased live by another holder', () => {
    expect(resolved(claimUpdate(12, claim))).toEqual({
      update:
        'SET attempts.12 = if_not_exists(attempts.12, 0) + 1, leases.12 = {"holder":{"S":"h-1"},"until":{"N":"5000"},"attempt":{"S":"a-1"}}',
      condition:
        'attribute_exists(pk) AND attribute_not_exists(cancelRequested) AND contains(lineSet, 12) AND attribute_not_exists(recorded.12) AND ' +
        "(attribute_not_exists(leases.12) OR leases.12.until <= 1000 OR leases.12.holder = 'h-1') AND NOT leases.12.attempt = 'a-1'",
    });
  });

  it('refuses lease times that are not safe integers', () => {
    expect(() => claimUpdate(1, { ...claim, until: 1.5 })).toThrow(JobStoreError);
    expect(() => claimUpdate(1, { ...claim, now: Number.NaN })).toThrow(/now must be a safe integer/);
  });
});

describe('releaseUpdate', () => {
  it('removes the lease only when the holder has it', () => {
    expect(resolved(releaseUpdate(3, 'h-1'))).toEqual({
      update: 'REMOVE leases.3',
      condition: "leases.3.holder = 'h-1'",
    });
  });
});

describe('refusedClaim', () => {
  const chunk = (changes: Partial<ChunkRecord>): ChunkRecord => ({
    ...chunkFromItem(newChunkItem('j1', 2, [1, 2])),
    ...changes,
  });

  it('finds a recorded line, or the live lease of another holder', () => {
    expect(
      refusedClaim(chunk({ recorded: { '1': { status: 'failed', resultKey: 'k' } } }), 1, claim),
    ).toEqual({
      kind: 'recorded',
    });
    expect(refusedClaim(chunk({ leases: { '1': { holder: 'other', until: 1_001 } } }), 1, claim)).toEqual({
      kind: 'held',
      holder: 'other',
      until: 1_001,
    });
  });

  it('returns null (try again) when the line looks claimable after all', () => {
    expect(refusedClaim(chunk({}), 1, claim)).toBeNull();
    expect(refusedClaim(chunk({ leases: { '1': { holder: 'other', until: 1_000 } } }), 1, claim)).toBeNull();
    expect(refusedClaim(chunk({ leases: { '1': { holder: 'h-1', until: 9_000 } } }), 1, claim)).toBeNull();
  });

  it('finds the same claim applied before (its answer lost) claimed, with the count it set', () => {
    const applied = chunk({ attempts: { '1': 3 }, leases: { '1': { holder: 'h-1', until: 5_000 } } });
    expect(refusedClaim(applied, 1, claim, false, 'a-1')).toEqual({ kind: 'claimed', attempts: 3 });
    // Another claim of the same holder, or a recorded or cancelled line, is not taken for it.
    expect(refusedClaim(applied, 1, claim, false, 'a-0')).toBeNull();
    expect(refusedClaim(applied, 1, claim, true, 'a-1')).toEqual({ kind: 'cancelled', attempts: 3 });
  });

  it('throws a JobStoreError for a line not in the chunk', () => {
    expect(() => refusedClaim(chunk({}), 3, claim)).toThrow(/line 3 is not in chunk 2 of job j1/);
  });
});

describe('claimedAttempts', () => {
  it('reads the claimed line’s count from the attributes the claim updated, and nothing else', () => {
    const updated = { attempts: { M: { '3': { N: '2' }, '4': { N: '7' } } }, leases: { M: {} } };
    expect(claimedAttempts(updated, 3)).toBe(2);
    expect(claimedAttempts(updated, 5)).toBeNull();
    expect(claimedAttempts({ attempts: { M: { '3': { N: '0' } } } }, 3)).toBeNull();
    expect(claimedAttempts({}, 3)).toBeNull();
  });
});
