/**
 * Runners run as child processes, as users run them: a TypeScript entry point on the same Node as the
 * benchmark (`node --import tsx`), from the repository root, with a clean environment.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root. */
export const REPO_ROOT = resolve(import.meta.dirname, '..');

/** How a child process ended. */
export interface ChildOutcome {
  /** Exit code; null when it was killed (`timedOut` says whether by us). */
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  /** The last 4 KiB of stderr. */
  readonly stderrTail: string;
  readonly wallMs: number;
}

const STDERR_TAIL = 4_096;

/**
 * Run `script` (a path from the repository root) with `args`; never rejects on a non-zero exit. Killed
 * after `timeoutMs` (SIGTERM, then SIGKILL 5 s later).
 */
export function runTypeScript(
  script: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<ChildOutcome> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    // Only what a user's shell surely has: no endpoint, key or queue variable of ours leaks in.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  let timedOut = false;
  let killer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  }, timeoutMs);
  return new Promise((resolvePromise, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      clearTimeout(killer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      clearTimeout(killer);
      resolvePromise({ code, timedOut, stdout, stderrTail: stderr, wallMs: Date.now() - started });
    });
  });
}

/** The line of a child's stderr that best says why it failed: the last error line, else the last line. */
export function failureLine(stderrTail: string): string {
  const lines = stderrTail
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Node.js v'));
  return lines.findLast((line) => /error/i.test(line)) ?? lines.at(-1) ?? '';
}
