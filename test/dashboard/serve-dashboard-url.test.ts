import { startServe } from '@thinkbatch/cli';
import { describe, expect, it } from 'vitest';

describe('thinkbatch serve prints the dashboard URL', () => {
  it('with the token it made in the fragment (never a query string); without it when the token came from the environment', async () => {
    let printed = '';
    const sink = { write: (text: string) => (printed += text) };
    const made = await startServe({ simulate: true, port: 0 }, { env: {}, stdout: sink, stderr: sink });
    try {
      expect(printed).toContain(`thinkbatch: dashboard at ${made.url}/#token=${made.token}\n`);
      expect(printed).not.toContain(`?token=`);
    } finally {
      await made.stop();
    }

    printed = '';
    const token = 'from-the-environment-0123456789';
    const given = await startServe(
      { simulate: true, port: 0 },
      { env: { THINKBATCH_API_TOKEN: token }, stdout: sink, stderr: sink },
    );
    try {
      expect(printed).toContain(`thinkbatch: dashboard at ${given.url}/\n`);
      expect(printed).not.toContain(token);
    } finally {
      await given.stop();
    }
  });
});
