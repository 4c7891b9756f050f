/**
 * A runner of the scale benchmark as a child process (`node --import tsx <script>`, from the repository
 * root, a clean environment), with the peak RSS of its whole process tree.
 */
import { spawn } from 'node:child_process';
import { REPO_ROOT } from '../child-process';
import { sampleTreeRss } from './process-tree-rss';

/** How the child ended, and what it used. */
export interface ScaleChildOutcome {
  readonly code: number | null;
  readonly stdout: string;
  /** The last 4 KiB of stderr. */
  readonly stderrTail: string;
  readonly wallMs: number;
  /** Peak RSS of the child and its descendants, bytes. */
  readonly peakRssBytes: number;
}

/** Run `script` with `args`; `nodeArgs` go before the script (e.g. `--cpu-prof`). Killed after `timeoutMs`. */
export async function runScaleChild(
  script: string,
  args: readonly string[],
  options: {
    readonly timeoutMs: number;
    readonly nodeArgs?: readonly string[];
    /** Variables on top of the clean environment (PATH and HOME). */
    readonly env?: Readonly<Record<string, string>>;
  },
): Promise<ScaleChildOutcome> {
  const started = Date.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const rss = child.pid === undefined ? null : sampleTreeRss(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4096);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    return {
      code,
      stdout,
      stderrTail: stderr,
      wallMs: Date.now() - started,
      peakRssBytes: (await rss?.stop()) ?? 0,
    };
  } finally {
    clearTimeout(timer);
    await rss?.stop();
  }
}
