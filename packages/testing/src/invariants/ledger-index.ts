import type { LedgerEntry } from '@thinkbatch/simulator';
import type { LedgerIndex } from './invariant-types';

/** The entries of the given prompts by request id and by prompt (in ledger order), and the rest counted. */
export function indexLedger(
  entries: readonly LedgerEntry[],
  promptKeys: ReadonlySet<string>,
): LedgerIndex & { readonly foreign: number } {
  const byRequestId = new Map<string, LedgerEntry>();
  const byPrompt = new Map<string, LedgerEntry[]>();
  let foreign = 0;
  for (const entry of entries) {
    if (!promptKeys.has(entry.promptKey)) {
      foreign += 1;
      continue;
    }
    byRequestId.set(entry.requestId, entry);
    const list = byPrompt.get(entry.promptKey) ?? [];
    list.push(entry);
    byPrompt.set(entry.promptKey, list);
  }
  return { byRequestId, byPrompt, foreign };
}
