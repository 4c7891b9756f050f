import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { spawnThinkbatch, thinkbatch } from './cli-process';

describe('thinkbatch serve (the process)', () => {
  it('serves the API on 127.0.0.1, prints its URL and a new token once, and stops on SIGINT', async () => {
    const child = spawnThinkbatch(['serve', '--simulate', '--port', '0']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      const deadline = Date.now() + 60_000;
      while (!/data in /.test(stdout)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`serve did not start: ${stdout}${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const url = /API at (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(stdout)?.[1];
      const token = /API token \(shown once; set THINKBATCH_API_TOKEN to choose it\): (\S+)/.exec(
        stdout,
      )?.[1];
      expect(url).toBeDefined();
      expect(token?.length).toBeGreaterThanOrEqual(32);
      expect(stdout.split(token ?? '').length - 1).toBe(1);
      expect((await fetch(`${url}/v1/health`)).status).toBe(200);
      expect((await fetch(`${url}/v1/jobs`)).status).toBe(401);
      const jobs = await fetch(`${url}/v1/jobs`, { headers: { authorization: `Bearer ${token}` } });
      expect([jobs.status, await jobs.json()]).toEqual([200, { data: [], next_cursor: null }]);
    } finally {
      child.kill('SIGINT');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stderr).toContain('thinkbatch: stopping');
  });

  it('refuses usage errors before starting anything', async () => {
    const noKey = await thinkbatch(['serve', '--port', '0']);
    expect([noKey.code, noKey.stderr]).toEqual([2, expect.stringContaining('NVIDIA_API_KEY')]);
    const port = await thinkbatch(['serve', '--simulate', '--port', 'x']);
    expect([port.code, port.stderr]).toEqual([2, expect.stringContaining('--port must be an integer')]);
    const both = await thinkbatch(['serve', '--simulate', '--endpoint', 'http://127.0.0.1:1/v1']);
    expect(both.code).toBe(2);
    const help = await thinkbatch(['serve', '--help']);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('thinkbatch serve [--port N]')]);
    const short = await thinkbatch(['serve', '--simulate'], { THINKBATCH_API_TOKEN: 'short' });
    expect([short.code, short.stderr]).toEqual([2, expect.stringContaining('at least 16 characters')]);
  });
});
