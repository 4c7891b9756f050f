import { randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type RunningSimulator, startSimulator } from '@thinkbatch/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thinkbatch, useTempDir } from '../cli/cli-process';

/**
 * The endpoint key must never reach logs, results, summaries or errors, even when the endpoint echoes
 * it back (as OpenAI's "Incorrect API key provided: sk-…" does). A run with a recognisable key against
 * an endpoint that echoes it in every way it can, on failing calls of every kind; then every byte the
 * run left — stdout, stderr, the outputs, run.log and the emulators' data files — is searched for it.
 */
const KEY = `nvapi-CANARY-${randomUUID()}`;
const tmp = useTempDir('thinkbatch-key-leak-');

/** What the hostile endpoint does for a prompt containing each marker (the rest go to the simulator). */
const ECHOES: Record<string, (res: ServerResponse, auth: string) => void> = {
  'echo-401': (res, auth) =>
    json(res, 401, { error: { message: `Incorrect API key provided: ${auth}`, type: 'invalid_api_key' } }),
  'echo-400': (res, auth) =>
    json(res, 400, { error: { message: `bad request from ${auth}`, param: auth, code: auth } }, auth),
  'echo-500': (res, auth) => json(res, 500, { error: { message: `upstream failed for ${auth}` } }, auth),
  'echo-stream': (res, auth) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': `req-${auth}` });
    res.end(`data: ${JSON.stringify({ error: { message: `stream broke for ${auth}` } })}\n\n`);
  },
  'echo-cut': (res, auth) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(
      `data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${auth}`,
    );
    res.destroy();
  },
};

function json(res: ServerResponse, status: number, body: unknown, auth?: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(auth === undefined ? {} : { 'x-request-id': `req-${auth}`, 'x-echo-authorization': auth }),
  });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

let simulator: RunningSimulator;
let hostile: ReturnType<typeof createServer>;
let hostileUrl: string;

beforeAll(async () => {
  simulator = await startSimulator({ apiKey: KEY, seed: 3 });
  hostile = createServer(async (req, res) => {
    const body = await readBody(req);
    const auth = req.headers.authorization ?? '';
    const marker = Object.keys(ECHOES).find((m) => body.includes(m));
    if (marker !== undefined) return ECHOES[marker]?.(res, auth);
    // Everything else is answered by the simulator, through this proxy.
    const upstream = await fetch(`${simulator.url}${(req.url ?? '').replace(/^\/v1/, '')}`, {
      method: req.method ?? 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body,
    });
    res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise((resolve) => hostile?.close(resolve));
  await simulator?.close();
});

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('the endpoint key never leaves the process', () => {
  it('is in no output, log, error or data file of a run whose endpoint echoes it on every failure', async () => {
    const input = join(tmp.path, 'input.jsonl');
    const prompts = ['fine one', ...Object.keys(ECHOES), 'fine two'];
    await writeFile(input, `${prompts.map((prompt) => JSON.stringify({ prompt })).join('\n')}\n`);
    const dataDir = join(tmp.path, 'data');
    const out = join(tmp.path, 'out');
    const run = await thinkbatch(
      [
        'run',
        input,
        '--endpoint',
        hostileUrl,
        '--data-dir',
        dataDir,
        '--out',
        out,
        '--max-attempts',
        '2',
        '--rpm',
        '600',
        '--max-in-flight',
        '8',
      ],
      { NVIDIA_API_KEY: KEY },
    );

    // The run really exercised the failures: the echoing lines failed, the others succeeded.
    const results = (await readFile(join(out, 'results.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { line: number; status: string });
    expect(results.length).toBeGreaterThan(0);
    for (const result of results)
      expect(result.status).toBe(
        result.line === 1 || result.line === prompts.length ? 'succeeded' : 'failed',
      );

    const places: [string, string][] = [
      ['stdout', run.stdout],
      ['stderr', run.stderr],
    ];
    const files = [...(await filesUnder(out)), ...(await filesUnder(dataDir))];
    expect(files.map((f) => f.slice(out.length))).toEqual(
      expect.arrayContaining(['/results.jsonl', '/errors.jsonl', '/summary.json', '/run.log']),
    );
    for (const file of files) places.push([file, (await readFile(file)).toString('latin1')]);
    const leaks = places.filter(([, text]) => text.includes(KEY)).map(([where]) => where);
    expect(leaks).toEqual([]);
    // The echoes were seen (and redacted), so the search above looked where the key would be.
    const errors = await readFile(join(out, 'errors.jsonl'), 'utf8');
    expect(errors).toContain('[redacted]');
  });
});
