/**
 * The heap policy reaches the process that hosts the embedded runtime: `thinkbatch serve` started as a
 * user starts it (tsx, a clean environment), its process tree read from /proc once it serves.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { startSimulator } from '@thinkbatch/simulator';
import { describe, expect, it } from 'vitest';
import { spawnThinkbatch } from './cli-process';

/** The command lines (NUL-separated arguments) and environments of `rootPid`'s descendants. */
async function descendants(rootPid: number): Promise<{ argv: string[]; env: string[] }[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++)
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  const split = (text: string): string[] => text.split('\0').filter((part) => part !== '');
  return Promise.all(
    tree.slice(1).map(async (pid) => ({
      argv: split(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')),
      env: split(await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')),
    })),
  );
}

/** Start serve with `env`, return the command lines of its processes once it serves, and stop it. */
async function serveProcesses(env: Record<string, string>): Promise<{ argv: string[]; env: string[] }[]> {
  const apiKey = randomUUID();
  const endpoint = await startSimulator({ apiKey, seed: 1 });
  const child = spawnThinkbatch(['serve', '--endpoint', endpoint.url, '--api-key', apiKey, '--port', '0'], {
    THINKBATCH_API_TOKEN: `heap-${randomUUID()}`,
    ...env,
  });
  try {
    let printed = '';
    for (const stream of [child.stdout, child.stderr])
      stream.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
      });
    const deadline = Date.now() + 100_000;
    while (!/data in /.test(printed)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`serve did not start: ${printed}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return await descendants(child.pid ?? -1);
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    await exited;
    await endpoint.close();
  }
}

/** The process of the tree that runs the CLI's entry point (the one hosting the emulators). */
const cliProcess = (processes: { argv: string[]; env: string[] }[]) => {
  const found = processes.find(
    ({ argv }) => argv[0]?.endsWith('node') && argv.some((arg) => arg.endsWith('main.ts')),
  );
  if (found === undefined) throw new Error(`no node process runs main.ts: ${JSON.stringify(processes)}`);
  return found;
};

describe.skipIf(process.platform !== 'linux')('thinkbatch serve under the heap policy', () => {
  it('runs with the old-space cap, the semi-space size and capped malloc arenas', async () => {
    const cli = cliProcess(await serveProcesses({}));
    expect(cli.argv).toEqual(
      expect.arrayContaining(['--max-old-space-size=192', '--max-semi-space-size=16']),
    );
    expect(cli.env).toContain('MALLOC_ARENA_MAX=2');
  }, 150_000);

  it("lets the user's NODE_OPTIONS and MALLOC_ARENA_MAX win", async () => {
    const cli = cliProcess(
      await serveProcesses({ NODE_OPTIONS: '--max-old-space-size=1024', MALLOC_ARENA_MAX: '4' }),
    );
    expect(cli.argv.filter((arg) => arg.startsWith('--max-old-space-size'))).toEqual([]);
    expect(cli.argv).toContain('--max-semi-space-size=16');
    expect(cli.env).toContain('MALLOC_ARENA_MAX=4');
    expect(cli.env).toContain('NODE_OPTIONS=--max-old-space-size=1024');
  }, 150_000);
});
