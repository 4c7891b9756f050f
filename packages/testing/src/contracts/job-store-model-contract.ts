import {
  addChunkCounters,
  type ChunkRecord,
  emptyChunkCounters,
  type JobStore,
  type LineAttemptClaim,
  type LineRecord,
  lineCounterDelta,
} from '@thinkbatch/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineStatus, lineUsage } from '../arbitraries';
import { makeNewJob, uniqueJobId } from './job-store-fixtures';

/** The chunk every run works on. */
const LINES = [1, 2, 3] as const;
const HOLDERS = ['a', 'b', 'c'] as const;

/** What the store must hold for the chunk, kept by hand: the model the store is checked against. */
interface ChunkModel {
  now: number;
  readonly attempts: Map<number, number>;
  readonly leases: Map<number, { holder: string; until: number }>;
  readonly recorded: Map<number, LineRecord>;
}

/** The store under test and the ids of this run. */
interface Real {
  readonly store: JobStore;
  readonly jobId: string;
}

type LineCommand = fc.AsyncCommand<ChunkModel, Real>;

/** The chunk record the model says the store holds. */
function expectedChunk(model: ChunkModel, jobId: string): ChunkRecord {
  let counters = emptyChunkCounters();
  for (const record of model.recorded.values())
    counters = addChunkCounters(counters, lineCounterDelta(record));
  const byLine = <V, T>(map: Map<number, V>, f: (value: V) => T): Record<string, T> =>
    Object.fromEntries([...map].map(([line, value]) => [String(line), f(value)]));
  return {
    jobId,
    index: 0,
    lines: [...LINES],
    recorded: byLine(model.recorded, ({ status, resultKey }) => ({ status, resultKey })),
    attempts: byLine(model.attempts, (n) => n),
    leases: byLine(model.leases, (lease) => ({ ...lease })),
    counters,
    enqueued: false,
  };
}

async function expectStoreMatches(model: ChunkModel, real: Real): Promise<void> {
  expect(await real.store.getChunk(real.jobId, 0)).toEqual(expectedChunk(model, real.jobId));
}

/** A delivery starts an attempt of a line: counted and leased, or refused as recorded or held. */
class ClaimCommand implements LineCommand {
  constructor(
    readonly line: number,
    readonly holder: string,
    readonly leaseMs: number,
  ) {}
  check = (): boolean => true;
  async run(model: ChunkModel, real: Real): Promise<void> {
    const until = model.now + this.leaseMs;
    const outcome = await real.store.claimLineAttempt(real.jobId, 0, this.line, {
      holder: this.holder,
      now: model.now,
      until,
    });
    let expected: LineAttemptClaim;
    const lease = model.leases.get(this.line);
    if (model.recorded.has(this.line)) expected = { kind: 'recorded' };
    else if (lease !== undefined && lease.until > model.now && lease.holder !== this.holder)
      expected = { kind: 'held', holder: lease.holder, until: lease.until };
    else {
      const attempts = (model.attempts.get(this.line) ?? 0) + 1;
      model.attempts.set(this.line, attempts);
      model.leases.set(this.line, { holder: this.holder, until });
      expected = { kind: 'claimed', attempts };
    }
    expect(outcome).toEqual(expected);
    await expectStoreMatches(model, real);
  }
  toString = (): string => `claim(${this.line}, ${this.holder}, +${this.leaseMs})`;
}

/** A delivery gives a line back: only its own lease goes. */
class ReleaseCommand implements LineCommand {
  constructor(
    readonly line: number,
    readonly holder: string,
  ) {}
  check = (): boolean => true;
  async run(model: ChunkModel, real: Real): Promise<void> {
    await real.store.releaseLine(real.jobId, 0, this.line, this.holder);
    if (model.leases.get(this.line)?.holder === this.holder) model.leases.delete(this.line);
    await expectStoreMatches(model, real);
  }
  toString = (): string => `release(${this.line}, ${this.holder})`;
}

/** A delivery records a finished line: once, whoever holds it, counted by the one counting rule. */
class RecordCommand implements LineCommand {
  constructor(readonly record: LineRecord) {}
  check = (): boolean => true;
  async run(model: ChunkModel, real: Real): Promise<void> {
    const { line } = this.record;
    const outcome = await real.store.recordLine(real.jobId, 0, this.record);
    const first = !model.recorded.has(line);
    if (first) {
      model.recorded.set(line, this.record);
      model.leases.delete(line);
    }
    expect(outcome).toEqual({ recorded: first, chunk: expectedChunk(model, real.jobId) });
    await expectStoreMatches(model, real);
  }
  toString = (): string => `record(${JSON.stringify(this.record)})`;
}

/** Time passes: leases run out. */
class AdvanceCommand implements LineCommand {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  async run(model: ChunkModel): Promise<void> {
    model.now += this.ms;
  }
  toString = (): string => `advance(${this.ms})`;
}

const line = fc.constantFrom(...LINES);
const holder = fc.constantFrom(...HOLDERS);
const usage = fc.option(lineUsage(10_000), { nil: null });

/** Every command, with arguments from small domains so that they collide often. */
export const lineCommands: fc.Arbitrary<LineCommand>[] = [
  fc.tuple(line, holder, fc.integer({ min: 0, max: 5_000 })).map(([l, h, ms]) => new ClaimCommand(l, h, ms)),
  fc.tuple(line, holder).map(([l, h]) => new ReleaseCommand(l, h)),
  fc
    .tuple(line, lineStatus, fc.nat({ max: 6 }), usage, fc.nat({ max: 99 }))
    .map(
      ([l, s, attempts, u, token]) =>
        new RecordCommand({ line: l, status: s, attempts, usage: u, resultKey: `lines/${l}.${token}.json` }),
    ),
  fc.integer({ min: 1, max: 3_000 }).map((ms) => new AdvanceCommand(ms)),
];

/**
 * Model-based part of the JobStore contract: random sequences of claims, releases, records and time
 * passing on one chunk, each checked against a hand-kept model (attempt counts, leases, recorded lines and
 * counters after every step). Written against the port only, so the DynamoDB adapter runs it too.
 */
export function describeLineModelContract(
  store: () => JobStore,
  options: { readonly runs?: number } = {},
): void {
  describe('line claims and records against a model', () => {
    it('agree with the model for any sequence of claims, releases, records and time', {
      timeout: 120_000,
    }, async () => {
      await fc.assert(
        fc.asyncProperty(fc.commands(lineCommands, { maxCommands: 30 }), async (commands) => {
          const jobId = uniqueJobId('model');
          await store().createJob(makeNewJob(jobId));
          await store().putChunk(jobId, 0, LINES);
          const model: ChunkModel = {
            now: 1_000,
            attempts: new Map(),
            leases: new Map(),
            recorded: new Map(),
          };
          await fc.asyncModelRun(() => ({ model, real: { store: store(), jobId } }), commands);
        }),
        { numRuns: options.runs ?? 40 },
      );
    });
  });
}
