import type { JobStore, LineAttemptClaim, LineClaim } from '@thinkbatch/core';
import { ErrorCode, JobStoreError } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { jobWithChunk, makeLineRecord } from './job-store-fixtures';
import { expectRejection } from './rejections';

const claim = (holder: string, now: number, until: number): LineClaim => ({ holder, now, until });

/** Line half of the JobStore contract: attempt counts and leases (claim, renew, expire, release, record). */
export function describeLineClaimContract(store: () => JobStore): void {
  describe('line claims', () => {
    it('counts attempts per line across claims by the same holder, renewing its lease', async () => {
      const jobId = await jobWithChunk(store(), [1, 2], 'claim-count');
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('a', 1_000, 5_000))).toEqual({
        kind: 'claimed',
        attempts: 1,
      });
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('a', 2_000, 6_000))).toEqual({
        kind: 'claimed',
        attempts: 2,
      });
      expect(await store().claimLineAttempt(jobId, 0, 2, claim('a', 2_000, 6_000))).toEqual({
        kind: 'claimed',
        attempts: 1,
      });
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('a', 3_000, 7_000))).toEqual({
        kind: 'claimed',
        attempts: 3,
      });
      const chunk = await store().getChunk(jobId, 0);
      expect(chunk?.attempts).toEqual({ '1': 3, '2': 1 });
      expect(chunk?.leases).toEqual({
        '1': { holder: 'a', until: 7_000 },
        '2': { holder: 'a', until: 6_000 },
      });
      expect(chunk?.counters.attempts).toBe(0);
    });

    it('refuses another holder while the lease is live, and lets it take over when it ends', async () => {
      const jobId = await jobWithChunk(store(), [1], 'claim-held');
      await store().claimLineAttempt(jobId, 0, 1, claim('a', 1_000, 5_000));
      const held: LineAttemptClaim = { kind: 'held', holder: 'a', until: 5_000 };
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('b', 1_000, 9_000))).toEqual(held);
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('b', 4_999, 9_000))).toEqual(held);
      expect(await store().getChunk(jobId, 0)).toMatchObject({
        attempts: { '1': 1 },
        leases: { '1': { holder: 'a', until: 5_000 } },
      });
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('b', 5_000, 9_000))).toEqual({
        kind: 'claimed',
        attempts: 2,
      });
      expect(await store().getChunk(jobId, 0)).toMatchObject({
        attempts: { '1': 2 },
        leases: { '1': { holder: 'b', until: 9_000 } },
      });
      // The former holder is now the other one.
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('a', 6_000, 10_000))).toEqual({
        kind: 'held',
        holder: 'b',
        until: 9_000,
      });
    });

    it('lets exactly one of 10 concurrent holders claim a free line, and one claim an expired lease', async () => {
      const jobId = await jobWithChunk(store(), [1, 2], 'claim-race');
      const race = (line: number, now: number, until: number): Promise<LineAttemptClaim[]> =>
        Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store().claimLineAttempt(jobId, 0, line, claim(`h${line}-${i}`, now, until + i)),
          ),
        );
      for (const [line, attempts] of [
        [1, 1],
        [2, 2],
      ] as const) {
        // Line 2 starts leased by a holder whose lease ends at 1_000: the race is for an expired lease.
        if (line === 2) await store().claimLineAttempt(jobId, 0, 2, claim('gone', 0, 1_000));
        const results = await race(line, 1_000, 5_000);
        const winners = results.flatMap((r, i) => (r.kind === 'claimed' ? [{ r, i }] : []));
        expect(winners).toHaveLength(1);
        const winner = winners[0];
        expect(winner?.r).toEqual({ kind: 'claimed', attempts });
        const lease = { holder: `h${line}-${winner?.i}`, until: 5_000 + (winner?.i ?? 0) };
        for (const result of results)
          if (result.kind !== 'claimed') expect(result).toEqual({ kind: 'held', ...lease });
        const chunk = await store().getChunk(jobId, 0);
        expect(chunk?.attempts[String(line)]).toBe(attempts);
        expect(chunk?.leases[String(line)]).toEqual(lease);
      }
    });

    it('drops the lease when the line is recorded; then every claim finds it recorded', async () => {
      const jobId = await jobWithChunk(store(), [1, 2], 'claim-record');
      await store().claimLineAttempt(jobId, 0, 1, claim('a', 1_000, 5_000));
      await store().claimLineAttempt(jobId, 0, 2, claim('a', 1_000, 5_000));
      const { chunk } = await store().recordLine(jobId, 0, makeLineRecord(jobId, 1));
      expect(chunk.leases).toEqual({ '2': { holder: 'a', until: 5_000 } });
      expect(await store().getChunk(jobId, 0)).toEqual(chunk);
      for (const [holder, now] of [
        ['a', 1_000],
        ['b', 1_000],
        ['b', 99_000],
      ] as const) {
        expect(await store().claimLineAttempt(jobId, 0, 1, claim(holder, now, now + 1_000))).toEqual({
          kind: 'recorded',
        });
      }
      expect(await store().getChunk(jobId, 0)).toEqual(chunk);
    });

    it('leaves no lease behind when claims race a record of the line', async () => {
      const jobId = await jobWithChunk(store(), [1], 'claim-record-race');
      const [results, recorded] = await Promise.all([
        Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store().claimLineAttempt(jobId, 0, 1, claim(`h${i}`, 1_000, 5_000)),
          ),
        ),
        store().recordLine(jobId, 0, makeLineRecord(jobId, 1)),
      ]);
      expect(recorded.recorded).toBe(true);
      const claimed = results.filter((r) => r.kind === 'claimed');
      expect(claimed.length).toBeLessThanOrEqual(1);
      for (const result of results) expect(['claimed', 'held', 'recorded']).toContain(result.kind);
      const chunk = await store().getChunk(jobId, 0);
      expect(chunk?.leases).toEqual({});
      expect(chunk?.attempts['1'] ?? 0).toBe(claimed.length);
    });

    it('frees the line for another holder at once when its holder releases it', async () => {
      const jobId = await jobWithChunk(store(), [1], 'claim-release');
      await store().claimLineAttempt(jobId, 0, 1, claim('a', 1_000, 5_000));
      await store().releaseLine(jobId, 0, 1, 'a');
      expect(await store().getChunk(jobId, 0)).toMatchObject({ attempts: { '1': 1 }, leases: {} });
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('b', 1_000, 6_000))).toEqual({
        kind: 'claimed',
        attempts: 2,
      });
    });

    it('ignores a release by a non-holder, of a free line, and of a recorded line', async () => {
      const jobId = await jobWithChunk(store(), [1, 2, 3], 'claim-release-other');
      await store().claimLineAttempt(jobId, 0, 1, claim('a', 1_000, 5_000));
      await store().claimLineAttempt(jobId, 0, 3, claim('a', 1_000, 5_000));
      await store().recordLine(jobId, 0, makeLineRecord(jobId, 3));
      const before = await store().getChunk(jobId, 0);
      await store().releaseLine(jobId, 0, 1, 'b');
      await store().releaseLine(jobId, 0, 2, 'a');
      await store().releaseLine(jobId, 0, 3, 'a');
      expect(await store().getChunk(jobId, 0)).toEqual(before);
      expect(before?.leases).toEqual({ '1': { holder: 'a', until: 5_000 } });
      expect(await store().claimLineAttempt(jobId, 0, 1, claim('b', 1_000, 6_000))).toEqual({
        kind: 'held',
        holder: 'a',
        until: 5_000,
      });
    });

    it('refuses a missing chunk and a line not in the chunk with JobStoreError, changing nothing', async () => {
      const jobId = await jobWithChunk(store(), [1, 2], 'claim-foreign');
      const foreign = store().claimLineAttempt(jobId, 0, 3, claim('a', 1_000, 5_000));
      await expectRejection(foreign, JobStoreError, ErrorCode.conflict);
      const missing = store().claimLineAttempt(jobId, 1, 1, claim('a', 1_000, 5_000));
      await expectRejection(missing, JobStoreError, ErrorCode.notFound);
      await expectRejection(store().releaseLine(jobId, 1, 1, 'a'), JobStoreError, ErrorCode.notFound);
      expect(await store().getChunk(jobId, 0)).toMatchObject({ attempts: {}, leases: {} });
      expect(await store().getChunk(jobId, 1)).toBeNull();
    });
  });
}
