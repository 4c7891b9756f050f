import type { JobStore, LineClaim } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { jobWithChunk, makeLineRecord } from './job-store-fixtures';

const claim = (holder: string, now: number, until: number, attemptId: string): LineClaim => ({
  holder,
  now,
  until,
  attemptId,
});

/**
 * Claims named by an attempt id (`LineClaim.attemptId`): the same claim applied twice — the SDK
 * retrying an update whose answer was lost, or the caller repeating it — counts one attempt.
 */
export function describeClaimIdContract(store: () => JobStore): void {
  describe('claims named by an attempt id', () => {
    it('counts a claim re-applied with the same id once, and a new id again', async () => {
      const jobId = await jobWithChunk(store(), [1, 2], 'claim-id');
      const first = claim('a', 1_000, 5_000, 'attempt-1');
      expect(await store().claimLineAttempt(jobId, 0, 1, first)).toEqual({ kind: 'claimed', attempts: 1 });
      expect(await store().claimLineAttempt(jobId, 0, 1, first)).toEqual({ kind: 'claimed', attempts: 1 });
      // Later, even after its lease's end: still the same claim.
      expect(await store().claimLineAttempt(jobId, 0, 1, { ...first, now: 6_000 })).toEqual({
        kind: 'claimed',
        attempts: 1,
      });
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('a', 2_000, 6_000, 'attempt-2'))).toEqual({
        kind: 'claimed',
        attempts: 2,
      });
      // The first id is no longer the lease's: applying it again is a new attempt.
      expect(await store().claimLineAttempt(jobId, 0, 1, first)).toEqual({ kind: 'claimed', attempts: 3 });
      const chunk = await store().getChunk(jobId, 0);
      expect(chunk?.attempts).toEqual({ '1': 3 });
      expect(chunk?.leases).toEqual({ '1': { holder: 'a', until: 5_000 } });
    });

    it('gives another holder nothing for reusing an id, and a recorded line stays recorded', async () => {
      const jobId = await jobWithChunk(store(), [1, 2], 'claim-id-other');
      await store().claimLineAttempt(jobId, 0, 1, claim('a', 1_000, 5_000, 'shared'));
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('b', 1_000, 9_000, 'shared'))).toEqual({
        kind: 'held',
        holder: 'a',
        until: 5_000,
      });
      await store().claimLineAttempt(jobId, 0, 2, claim('a', 1_000, 5_000, 'rec'));
      await store().recordLine(jobId, 0, makeLineRecord(jobId, 2));
      expect(await store().claimLineAttempt(jobId, 0, 2, claim('a', 1_000, 5_000, 'rec'))).toEqual({
        kind: 'recorded',
      });
      // A released lease takes its id with it: the same id claims (and counts) anew.
      await store().releaseLine(jobId, 0, 1, 'a');
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('a', 2_000, 6_000, 'shared'))).toEqual({
        kind: 'claimed',
        attempts: 2,
      });
    });

    it('counts a group claim re-applied with the same id once per line', async () => {
      const jobId = await jobWithChunk(store(), [1, 2, 3], 'claim-id-group');
      const group = claim('a', 1_000, 5_000, 'group-1');
      const once = [
        { kind: 'claimed', attempts: 1 },
        { kind: 'claimed', attempts: 1 },
        { kind: 'claimed', attempts: 1 },
      ];
      expect(await store().claimLineAttempts(jobId, 0, [1, 2, 3], group)).toEqual(once);
      expect(await store().claimLineAttempts(jobId, 0, [1, 2, 3], group)).toEqual(once);
      expect(await store().claimLineAttempts(jobId, 0, [3, 1], claim('a', 2_000, 6_000, 'group-2'))).toEqual([
        { kind: 'claimed', attempts: 2 },
        { kind: 'claimed', attempts: 2 },
      ]);
      expect((await store().getChunk(jobId, 0))?.attempts).toEqual({ '1': 2, '2': 1, '3': 2 });
    });
  });
}
