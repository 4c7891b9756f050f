/** The scale benchmark's input: N one-token prompts, streamed to a file (a million lines stay cheap). */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/** Write `lines` simple-format lines `{"custom_id":"p<i>","prompt":"<i mod 10>"}` to `path`. */
export async function writeOneTokenPrompts(path: string, lines: number): Promise<void> {
  const out = createWriteStream(path);
  const batch: string[] = [];
  for (let i = 1; i <= lines; i += 1) {
    batch.push(`{"custom_id":"p${i}","prompt":"${i % 10}"}\n`);
    if (batch.length === 10_000 || i === lines) {
      if (!out.write(batch.join(''))) await once(out, 'drain');
      batch.length = 0;
    }
  }
  out.end();
  await once(out, 'finish');
}
