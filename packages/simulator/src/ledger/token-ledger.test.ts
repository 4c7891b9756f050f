import { describe, expect, it } from 'vitest';
import { createTokenLedger, type LedgerEntry } from './token-ledger';

const entry = (requestId: string): Omit<LedgerEntry, 'seq'> => ({
  requestId,
  completionId: null,
  promptKey: 'k',
  customIdHint: null,
  outcome: 'complete',
  status: 200,
  fault: null,
  usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  startedAt: 0,
  endedAt: 1,
});

describe('the token ledger', () => {
  it('numbers entries in the order they are recorded', () => {
    const ledger = createTokenLedger();
    for (const id of ['a', 'b', 'c']) ledger.record(entry(id));
    const { entries, dropped } = ledger.snapshot();
    expect(entries.map((e) => [e.seq, e.requestId])).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
    ]);
    expect(dropped).toBe(0);
  });

  it('keeps the newest entries up to its limit and counts the dropped ones', () => {
    const ledger = createTokenLedger(10);
    for (let i = 0; i < 37; i += 1) ledger.record(entry(`r${i}`));
    const { entries, dropped } = ledger.snapshot();
    expect(entries).toHaveLength(10);
    expect(entries[0]?.requestId).toBe('r27');
    expect(entries.at(-1)?.requestId).toBe('r36');
    expect(dropped).toBe(27);
  });

  it('is a snapshot: later records do not change what was read', () => {
    const ledger = createTokenLedger();
    ledger.record(entry('a'));
    const before = ledger.snapshot();
    ledger.record(entry('b'));
    expect(before.entries).toHaveLength(1);
  });
});
