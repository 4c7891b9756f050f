/**
 * Lay out text as `pnpm format` would (Biome, the repository's configuration), before the bench writes
 * it: BENCHMARKS.md's tables padded, raw JSON as Biome prints it — so `pnpm lint` passes right after a
 * run, with no `pnpm format` by hand.
 */
import { spawn } from 'node:child_process';
import { basename, isAbsolute, join, relative } from 'node:path';
import { REPO_ROOT } from './child-process';

const BIOME = join(REPO_ROOT, 'node_modules/.bin/biome');

/** The name Biome decides the language and settings by: the path in the repository, or the file's name. */
function stdinPathOf(filePath: string): string {
  const inRepo = relative(REPO_ROOT, filePath);
  return inRepo.startsWith('..') || isAbsolute(inRepo) ? basename(filePath) : inRepo;
}

/** `text` formatted as Biome formats the file `filePath` (`biome format --stdin-file-path`). */
export async function formatWithBiome(text: string, filePath: string): Promise<string> {
  const child = spawn(BIOME, ['format', `--stdin-file-path=${stdinPathOf(filePath)}`], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(text);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`biome format ${filePath} failed (${code}): ${stderr.trim()}`);
  return stdout;
}
