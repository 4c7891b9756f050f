import type { JobStore, LineClaim } from '@thinkbatch/core';
import { ErrorCode, JobStoreError } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { jobWithChunk, makeLineRecord } from './job-store-fixtures';
import { expectRejection } from './rejections';

const claim = (holder: string, now: number, until: number): LineClaim => ({ holder, now, until });

/**
 * Group claims (`claimLineAttempts`) and claims of a cancelled job: each line of a group comes to what
 * its own claim would, and a cancel is seen by the claim itself, counting nothing.
 */
export function describeGroupClaimContract(store: () => JobStore): void {
  describe('group claims and cancelled claims', () => {
    it('claims every free line of a group, counting and leasing each once', async () => {
      const jobId = await jobWithChunk(store(), [1, 2, 3], 'group-claim');
      expect(await store().claimLineAttempts(jobId, 0, [1, 3], claim('a', 1_000, 5_000))).toEqual([
        { kind: 'claimed', attempts: 1 },
        { kind: 'claimed', attempts: 1 },
      ]);
      expect(await store().claimLineAttempts(jobId, 0, [3, 2, 1], claim('a', 2_000, 6_000))).toEqual([
        { kind: 'claimed', attempts: 2 },
        { kind: 'claimed', attempts: 1 },
        { kind: 'claimed', attempts: 2 },
      ]);
      const chunk = await store().getChunk(jobId, 0);
      expect(chunk?.attempts).toEqual({ '1': 2, '2': 1, '3': 2 });
      expect(chunk?.leases).toEqual({
        '1': { holder: 'a', until: 6_000 },
        '2': { holder: 'a', until: 6_000 },
        '3': { holder: 'a', until: 6_000 },
      });
    });

    it('answers each line of a group that is not all claimable as its own claim would', async () => {
      const jobId = await jobWithChunk(store(), [1, 2, 3, 4], 'group-claim-mixed');
      await store().claimLineAttempt(jobId, 0, 1, claim('other', 1_000, 9_000));
      await store().recordLine(jobId, 0, makeLineRecord(jobId, 2));
      expect(await store().claimLineAttempts(jobId, 0, [1, 2, 3, 4], claim('a', 1_000, 5_000))).toEqual([
        { kind: 'held', holder: 'other', until: 9_000 },
        { kind: 'recorded' },
        { kind: 'claimed', attempts: 1 },
        { kind: 'claimed', attempts: 1 },
      ]);
      expect(await store().getChunk(jobId, 0)).toMatchObject({
        attempts: { '1': 1, '3': 1, '4': 1 },
        leases: {
          '1': { holder: 'other', until: 9_000 },
          '3': { holder: 'a', until: 5_000 },
          '4': { holder: 'a', until: 5_000 },
        },
      });
    });

    it('claims groups larger than one update takes (50 lines), each line once', async () => {
      const lines = Array.from({ length: 50 }, (_, i) => i + 1);
      const jobId = await jobWithChunk(store(), lines, 'group-claim-large');
      const claims = await store().claimLineAttempts(jobId, 0, lines, claim('a', 1_000, 5_000));
      expect(claims).toEqual(lines.map(() => ({ kind: 'claimed', attempts: 1 })));
      const chunk = await store().getChunk(jobId, 0);
      expect(Object.keys(chunk?.leases ?? {})).toHaveLength(50);
      expect(Object.values(chunk?.attempts ?? {})).toEqual(lines.map(() => 1));
    });

    it('lets one of two racing groups have each line', async () => {
      const jobId = await jobWithChunk(store(), [1, 2, 3], 'group-claim-race');
      const [a, b] = await Promise.all([
        store().claimLineAttempts(jobId, 0, [1, 2, 3], claim('a', 1_000, 5_000)),
        store().claimLineAttempts(jobId, 0, [3, 2, 1], claim('b', 1_000, 5_000)),
      ]);
      const chunk = await store().getChunk(jobId, 0);
      for (const line of [1, 2, 3]) {
        const mine = a[line - 1];
        const theirs = b[3 - line];
        const kinds = [mine?.kind, theirs?.kind].sort();
        expect(kinds).toEqual(['claimed', 'held']);
        expect(chunk?.attempts[String(line)]).toBe(1);
        expect(chunk?.leases[String(line)]?.holder).toBe(mine?.kind === 'claimed' ? 'a' : 'b');
      }
    });

    it('refuses a repeated line, a foreign line and a missing chunk, claiming nothing', async () => {
      const jobId = await jobWithChunk(store(), [1, 2], 'group-claim-bad');
      const c = claim('a', 1_000, 5_000);
      await expectRejection(
        store().claimLineAttempts(jobId, 0, [1, 2, 1], c),
        JobStoreError,
        ErrorCode.invalidValue,
      );
      await expectRejection(
        store().claimLineAttempts(jobId, 0, [1, 2, 3], c),
        JobStoreError,
        ErrorCode.conflict,
      );
      await expectRejection(
        store().claimLineAttempts(jobId, 1, [1, 2], c),
        JobStoreError,
        ErrorCode.notFound,
      );
      expect(await store().getChunk(jobId, 0)).toMatchObject({ attempts: {}, leases: {} });
    });

    it('refuses claims of a cancelled job as cancelled, counting nothing, whoever holds the line', async () => {
      const jobId = await jobWithChunk(store(), [1, 2, 3, 4], 'claim-cancelled');
      await store().putChunk(jobId, 1, [5]);
      await store().claimLineAttempt(jobId, 0, 1, claim('a', 1_000, 5_000));
      await store().claimLineAttempt(jobId, 0, 2, claim('other', 1_000, 9_000));
      await store().recordLine(jobId, 0, makeLineRecord(jobId, 3));
      expect(await store().requestCancel(jobId, 2_000)).toMatchObject({ cancelRequested: true });
      const before = await store().getChunk(jobId, 0);
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('a', 2_000, 6_000))).toEqual({
        kind: 'cancelled',
        attempts: 1,
      });
      expect(await store().claimLineAttempts(jobId, 0, [1, 2, 3, 4], claim('a', 2_000, 6_000))).toEqual([
        { kind: 'cancelled', attempts: 1 },
        { kind: 'cancelled', attempts: 1 },
        { kind: 'recorded' },
        { kind: 'cancelled', attempts: 0 },
      ]);
      expect(await store().claimLineAttempt(jobId, 1, 5, claim('b', 2_000, 6_000))).toEqual({
        kind: 'cancelled',
        attempts: 0,
      });
      expect(await store().getChunk(jobId, 0)).toEqual(before);
      expect((await store().getChunk(jobId, 1))?.attempts).toEqual({});
    });
  });
}
