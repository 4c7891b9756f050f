import { describe, expect, it } from 'vitest';
import { missingHeapEnv, missingHeapFlags } from './heap-policy';
import {
  hostsEmbeddedRuntime,
  type LaunchedProcess,
  relaunchWithHeapPolicy,
} from './relaunch-with-heap-policy';

describe('missingHeapFlags', () => {
  it('adds the old-space cap and the semi-space size to a process that has neither', () => {
    expect(missingHeapFlags([], undefined)).toEqual(['--max-old-space-size=192', '--max-semi-space-size=16']);
  });

  it("leaves the user's own flags alone, in NODE_OPTIONS or on Node's command line, in either spelling", () => {
    expect(missingHeapFlags([], '--max-old-space-size=4096')).toEqual(['--max-semi-space-size=16']);
    expect(missingHeapFlags(['--max_semi_space_size=4'], undefined)).toEqual(['--max-old-space-size=192']);
    expect(missingHeapFlags(['--max-old-space-size', '512'], ' --max-semi-space-size=1 ')).toEqual([]);
  });

  it('is satisfied by its own flags, so a relaunched process does not relaunch again', () => {
    expect(missingHeapFlags(missingHeapFlags([], undefined), undefined)).toEqual([]);
  });
});

describe('missingHeapEnv', () => {
  it("caps malloc's arenas unless the user set MALLOC_ARENA_MAX", () => {
    expect(missingHeapEnv({})).toEqual({ MALLOC_ARENA_MAX: '2' });
    expect(missingHeapEnv({ MALLOC_ARENA_MAX: '8' })).toEqual({});
  });
});

describe('relaunchWithHeapPolicy', () => {
  const launched = (overrides: Partial<LaunchedProcess>) => {
    const calls: { file: string; args: string[]; env: NodeJS.ProcessEnv }[] = [];
    const process: LaunchedProcess = {
      execPath: '/bin/node',
      execArgv: ['--import', 'tsx'],
      argv: ['/bin/node', '/repo/main.ts', 'run', 'in.jsonl'],
      env: { NODE_OPTIONS: '--max-old-space-size=1024', HOME: '/home/u' },
      execve: (file, args, env) => {
        calls.push({ file, args, env });
        return undefined as never;
      },
      ...overrides,
    };
    return { process, calls };
  };

  it("re-executes the same command with the missing flags before Node's own, keeping the environment", () => {
    const { process, calls } = launched({});
    relaunchWithHeapPolicy(process);
    expect(calls).toEqual([
      {
        file: '/bin/node',
        args: [
          '/bin/node',
          '--max-semi-space-size=16',
          '--import',
          'tsx',
          '/repo/main.ts',
          'run',
          'in.jsonl',
        ],
        env: { NODE_OPTIONS: '--max-old-space-size=1024', HOME: '/home/u', MALLOC_ARENA_MAX: '2' },
      },
    ]);
  });

  it('does nothing when every flag is set already', () => {
    const { process, calls } = launched({ execArgv: ['--max-semi-space-size=16'] });
    relaunchWithHeapPolicy(process);
    expect(calls).toEqual([]);
  });
});

describe('hostsEmbeddedRuntime', () => {
  it('is true for run, serve and a local label run, false for the API clients', () => {
    expect(['run', 'serve'].map((command) => hostsEmbeddedRuntime([command, 'x']))).toEqual([true, true]);
    expect(hostsEmbeddedRuntime(['label', 'run', 'task.json'])).toBe(true);
    expect(hostsEmbeddedRuntime(['label', 'run', 'task-1', '--now'])).toBe(false);
    expect(hostsEmbeddedRuntime(['status', 'job-1'])).toBe(false);
    expect(hostsEmbeddedRuntime([])).toBe(false);
  });
});
