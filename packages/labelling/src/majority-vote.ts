import type { Label, LabelSpace } from './label-space';

/** The outcome of one row's samples. */
export interface Vote {
  /** The label most samples gave; null when none gave a valid one. */
  readonly label: Label | null;
  /** Samples that gave `label`, over all samples asked (invalid ones count against it); 0 without a label. */
  readonly agreement: number;
  /** Index of the first sample that gave `label` (its reasoning is shown); null without a label. */
  readonly winner: number | null;
}

/**
 * Majority vote over a row's samples (`null`: no valid label). A tie goes to the label the label space
 * lists first, else to the one given first, so the same answers always give the same label.
 */
export function majorityVote(labels: readonly (Label | null)[], space: LabelSpace): Vote {
  const tally = new Map<string, { label: Label; count: number; first: number }>();
  labels.forEach((label, index) => {
    if (label === null) return;
    const key = space.keyOf(label);
    const entry = tally.get(key);
    if (entry === undefined) tally.set(key, { label, count: 1, first: index });
    else entry.count += 1;
  });
  const rank = (key: string): number => {
    const position = space.values.indexOf(key);
    return position < 0 ? Number.MAX_SAFE_INTEGER : position;
  };
  let best: [string, { label: Label; count: number; first: number }] | null = null;
  for (const entry of tally) {
    if (best === null) {
      best = entry;
      continue;
    }
    const [key, { count, first }] = entry;
    const [bestKey, bestEntry] = best;
    const better =
      count > bestEntry.count ||
      (count === bestEntry.count &&
        (rank(key) < rank(bestKey) || (rank(key) === rank(bestKey) && first < bestEntry.first)));
    if (better) best = entry;
  }
  if (best === null || labels.length === 0) return { label: null, agreement: 0, winner: null };
  return {
    label: best[1].label,
    agreement: Math.round((best[1].count / labels.length) * 1000) / 1000,
    winner: best[1].first,
  };
}
