import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { API_TOKEN_ENV, startServe } from '@thinkbatch/cli';
import { describe, expect, it } from 'vitest';
import { isLoopback, listeningSockets } from './listening-sockets';

const silent = { write: () => true };

describe('every server and emulator binds 127.0.0.1', () => {
  it('sees a listener on all interfaces when there is one (the check below can fail)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const socket = listeningSockets().find((s) => s.port === port);
      expect(socket).toBeDefined();
      expect(isLoopback(socket?.address ?? '')).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('thinkbatch serve --simulate (API, simulated endpoint, S3/SQS and DynamoDB emulators) listens on loopback only', async () => {
    const before = new Set(listeningSockets().map((s) => s.port));
    const handle = await startServe(
      { simulate: true, port: 0 },
      { env: { [API_TOKEN_ENV]: `token-${randomUUID()}` }, stdout: silent, stderr: silent },
    );
    try {
      const opened = listeningSockets().filter((s) => !before.has(s.port));
      // The API, the simulator, fauxqs (S3 + SQS) and dynalite: at least four listeners.
      expect(opened.length).toBeGreaterThanOrEqual(4);
      expect(opened.filter((s) => s.address !== '127.0.0.1')).toEqual([]);
      expect(opened.map((s) => s.port)).toContain(Number(new URL(handle.url).port));
    } finally {
      await handle.stop();
    }
  });
});
