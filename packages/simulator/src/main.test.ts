import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function run(args: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (data: Buffer) => {
    stdout += data.toString();
  });
  child.stderr?.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
}

/** The first match of `pattern` in the child's stdout, checked each time it writes (no polling). */
async function waitFor(cli: ReturnType<typeof run>, pattern: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    const match = pattern.exec(cli.stdout());
    if (match) return match;
    if (cli.child.exitCode !== null || cli.child.stdout === null) {
      throw new Error(`no ${pattern} in ${cli.stdout()}${cli.stderr()}`);
    }
    await Promise.race([once(cli.child.stdout, 'data'), once(cli.child, 'exit')]);
  }
}

describe('simulator CLI (main.ts)', () => {
  it('prints its URL, serves requests, and prints stats on SIGTERM', async () => {
    const cli = run([
      '--port',
      '0',
      '--seed',
      '3',
      '--rpm',
      '1',
      '--retry-after',
      'seconds',
      '--tpm',
      '1000',
    ]);
    const [, url] = await waitFor(cli, /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)\n/);
    const [, statsUrl] = await waitFor(cli, /stats at (http:\/\/127\.0\.0\.1:\d+\/_stats)\n/);
    const ask = () =>
      fetch(`${url}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'What is 1+2?' }] }),
      });
    const first = await ask();
    expect(first.status).toBe(200);
    expect(JSON.stringify(await first.json())).toContain('The answer is 3.');
    const second = await ask();
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('60');
    expect(await (await fetch(statsUrl ?? '')).json()).toMatchObject({
      admitted: 1,
      load: { phases: [{ requestsPerMinute: 1, tokensPerMinute: 1000 }] },
    });
    cli.child.kill('SIGTERM');
    const [code] = (await once(cli.child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(JSON.parse(cli.stdout().split('\n').at(-2) ?? '{}')).toMatchObject({
      chatRequests: 2,
      rateLimited: { rpm: 1 },
    });
  });

  it('prints help, and refuses bad flags with exit code 2', async () => {
    const help = run(['--help']);
    await once(help.child, 'exit');
    expect(help.stdout()).toContain('--fault-slow-headers');
    const bad = run(['--shape', 'xml']);
    const [code] = (await once(bad.child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(bad.stderr()).toContain('--shape must be one of');
  });
});
