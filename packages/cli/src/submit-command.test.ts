import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitCommand } from './submit-command';

// A stand-in for the API that drops the first create with a 503, as a gateway under load would.
const requests: { headers: IncomingHttpHeaders; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on('end', () => {
    requests.push({ headers: req.headers, body });
    const first = requests.length === 1;
    res.writeHead(first ? 503 : 201, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        first
          ? { error: { code: 'unavailable', message: 'try again' } }
          : { job: { id: 'job_1', status: 'queued', input: { uploaded: true } }, upload: null },
      ),
    );
  });
});
let api = '';
let dir = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'thinkbatch-submit-'));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('submitCommand', () => {
  it('repeats a create that failed with the same Idempotency-Key, so the API makes one job', async () => {
    const file = join(dir, 'in.jsonl');
    await writeFile(file, '{"prompt": "hi"}\n');
    let stdout = '';
    const code = await submitCommand([file, '--json', '--api', api, '--token', 'token-0123456789abcdef'], {
      env: {},
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
    });
    expect([code, JSON.parse(stdout).id]).toEqual([0, 'job_1']);
    expect(requests).toHaveLength(2);
    const keys = requests.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^submit-[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(requests[1]?.body).toBe(requests[0]?.body);
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({
      input: { type: 'inline', content: '{"prompt": "hi"}\n' },
      options: {},
    });
  });
});
