import type { JobStore, LineAttemptClaim, LineClaim } from '../ports/job-store';

/** Claims one delivery's lines of one chunk (see `createLineClaims`). */
export interface LineClaims {
  /** Claim an attempt of `line` (as `JobStore.claimLineAttempt`); resolves with the line's own outcome. */
  claim(line: number, claim: LineClaim): Promise<LineAttemptClaim>;
}

/**
 * Group claims of one delivery's lines of one chunk: the first claim goes at once, and the claims asked
 * for while one is under way go together in the next (`JobStore.claimLineAttempts`: one conditional
 * update per group, line by line when a group is refused). A group of one is a plain claim. A group is
 * claimed at the latest `now` of its claims (a lease that ended by then is free) with the latest `until`.
 * Each line's outcome is exactly what its own claim would have been; no claim waits longer than one
 * claim of the group before it.
 */
export function createLineClaims(
  jobs: Pick<JobStore, 'claimLineAttempt' | 'claimLineAttempts'>,
  jobId: string,
  chunk: number,
): LineClaims {
  type Waiting = {
    readonly line: number;
    readonly claim: LineClaim;
    readonly resolve: (outcome: LineAttemptClaim) => void;
    readonly reject: (error: unknown) => void;
  };
  let waiting: Waiting[] = [];
  let claiming = false;
  /** The next group: distinct lines of one holder, in the order asked; the rest wait for the one after. */
  const takeGroup = (): Waiting[] => {
    const first = waiting[0];
    if (first === undefined) return [];
    const lines = new Set<number>();
    const group: Waiting[] = [];
    const rest: Waiting[] = [];
    for (const w of waiting) {
      if (w.claim.holder === first.claim.holder && !lines.has(w.line)) {
        lines.add(w.line);
        group.push(w);
      } else rest.push(w);
    }
    waiting = rest;
    return group;
  };
  const run = async (): Promise<void> => {
    for (let group = takeGroup(); group.length > 0; group = takeGroup()) {
      try {
        const [only] = group;
        if (group.length === 1 && only !== undefined) {
          only.resolve(await jobs.claimLineAttempt(jobId, chunk, only.line, only.claim));
          continue;
        }
        const claim: LineClaim = {
          holder: group[0]?.claim.holder ?? '',
          now: Math.max(...group.map((w) => w.claim.now)),
          until: Math.max(...group.map((w) => w.claim.until)),
        };
        const outcomes = await jobs.claimLineAttempts(
          jobId,
          chunk,
          group.map((w) => w.line),
          claim,
        );
        group.forEach((w, i) => {
          const outcome = outcomes[i];
          if (outcome === undefined) w.reject(new Error(`claim of line ${w.line}: no outcome`));
          else w.resolve(outcome);
        });
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    claiming = false;
  };
  return {
    claim: (line, claim) =>
      new Promise<LineAttemptClaim>((resolve, reject) => {
        waiting.push({ line, claim, resolve, reject });
        if (!claiming) {
          claiming = true;
          void run();
        }
      }),
  };
}
