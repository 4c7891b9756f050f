import { execFile } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { REPO_ROOT } from './child-process';

/** The machine and code a benchmark ran on. */
export interface Machine {
  /** What `nproc` says. */
  readonly cores: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
  /** 1, 5 and 15 minute load averages when the benchmark started: other work on the machine skews it. */
  readonly loadAverage: readonly number[];
  /** `git describe`-like: the commit and whether the tree had changes. */
  readonly commit: string;
}

const run = promisify(execFile);

async function gitCommit(): Promise<string> {
  try {
    const { stdout: head } = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT });
    const { stdout: status } = await run('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: REPO_ROOT,
    });
    return `${head.trim()}${status.trim() === '' ? '' : ' (with uncommitted changes)'}`;
  } catch {
    return 'unknown';
  }
}

export async function describeMachine(): Promise<Machine> {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
    commit: await gitCommit(),
  };
}
