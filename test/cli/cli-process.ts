import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

const run = promisify(execFile);
/** The repository root: the CLI runs from there, as `pnpm thinkbatch` does. */
export const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const main = join(root, 'packages/cli/src/main.ts');

/** Only what a user's shell surely has, plus `env`: nothing of the test runner's environment leaks in. */
const cleanEnv = (env: Readonly<Record<string, string>>): Record<string, string> => ({
  PATH: process.env['PATH'] ?? '',
  HOME: process.env['HOME'] ?? '',
  ...env,
});

/** How a `thinkbatch` run ended. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `thinkbatch` as a user would, in a child process; never throws on a non-zero exit. */
export async function thinkbatch(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(tsx, [main, ...args], {
      cwd: root,
      env: cleanEnv(env),
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Start `thinkbatch` in a child process and return it at once, for tests that signal it. */
export function spawnThinkbatch(args: readonly string[], env: Readonly<Record<string, string>> = {}) {
  return spawn(tsx, [main, ...args], { cwd: root, env: cleanEnv(env) });
}

/** A fresh temporary folder for the file's tests (read `.path` inside them), removed after them. */
export function useTempDir(prefix: string): { readonly path: string } {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return {
    get path() {
      if (dir === undefined) throw new Error('the temporary folder exists only while the tests run');
      return dir;
    },
  };
}
