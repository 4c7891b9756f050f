import { readFile } from 'node:fs/promises';
import { type PriceList, parsePriceList } from '@thinkbatch/core';
import { UsageError } from './usage-error';

/** The `--prices` file, checked before anything starts: a bad one is the user's to fix. */
export async function readPriceListFile(path: string): Promise<PriceList> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) throw new UsageError(`prices file not found: ${path}`);
  try {
    return parsePriceList(text, path);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/\n\s*/g, ' ') : String(error));
  }
}
