import { describe, expect, it } from 'vitest';
import { compileLabelSpace } from './label-space';
import { majorityVote } from './majority-vote';

const space = compileLabelSpace({ enum: ['positive', 'negative', 'neutral'] });

describe('majorityVote', () => {
  it('takes the most frequent label; agreement counts invalid samples against it', () => {
    expect(majorityVote(['negative', 'positive', 'negative'], space)).toEqual({
      label: 'negative',
      agreement: 0.667,
      winner: 0,
    });
    expect(majorityVote([null, 'neutral', null], space)).toEqual({
      label: 'neutral',
      agreement: 0.333,
      winner: 1,
    });
    expect(majorityVote(['positive'], space)).toEqual({ label: 'positive', agreement: 1, winner: 0 });
  });

  it('breaks a tie by the label space order, whatever the order of the samples', () => {
    expect(majorityVote(['neutral', 'positive'], space).label).toBe('positive');
    expect(majorityVote(['positive', 'neutral'], space).label).toBe('positive');
  });

  it('gives no label when no sample gave one', () => {
    expect(majorityVote([null, null, null], space)).toEqual({ label: null, agreement: 0, winner: null });
  });

  it('counts equal structured labels together, whatever their key order', () => {
    const structured = compileLabelSpace({ schema: { type: 'object' } });
    expect(majorityVote([{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 2 }], structured)).toMatchObject({
      label: { a: 1, b: 2 },
      agreement: 0.667,
    });
  });
});
