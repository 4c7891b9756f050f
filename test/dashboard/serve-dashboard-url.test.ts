import { startServe } from '@thinkbatch/cli';
import { describe, expect, it } from 'vitest';

describe('thinkbatch serve prints the dashboard URL', () => {
  it('without the token (printed once, on its own line) and without a query string', async () => {
    let printed = '';
    const sink = { write: (text: string) => (printed += text) };
    const made = await startServe({ simulate: true, port: 0 }, { env: {}, stdout: sink, stderr: sink });
    try {
      expect(printed).toContain(
        `thinkbatch: dashboard at ${made.url}/ (it asks for the token; or open ${made.url}/#token=<token>)\n`,
      );
      expect(printed.split(made.token)).toHaveLength(2);
      expect(printed).not.toContain('?token=');
    } finally {
      await made.stop();
    }
  });
});
