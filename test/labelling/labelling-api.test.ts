import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createS3ObjectStore } from '@thinkbatch/aws-adapters';
import { API_TOKEN_ENV, type CommandIo, LOCAL_LABELLING_BUCKET, labelMain } from '@thinkbatch/cli';
import { describe, expect, it } from 'vitest';
import { useServe } from '../api/serve-fixture';
import { useTempDir } from '../cli/cli-process';
import { jsonlOf, reviews, sentimentTask } from './labelling-stack';

const serve = useServe();
const temp = useTempDir('thinkbatch-label-api-');

/** Run `thinkbatch label …` in this process against the served API; what it printed, and its exit code. */
async function label(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    env: { [API_TOKEN_ENV]: serve.token },
    stdout: {
      write: (text: string) => {
        out += text;
        return true;
      },
    },
    stderr: {
      write: (text: string) => {
        err += text;
        return true;
      },
    },
  } as unknown as CommandIo;
  const code = await labelMain([...args, '--api', serve.url], io);
  return { code, out, err };
}

describe('thinkbatch label create | list | status | run --now, through the API of thinkbatch serve', () => {
  it('stores a task, lists it, runs it now and shows its finished run', async () => {
    const path = join(temp.path, 'task.json');
    await writeFile(path, JSON.stringify(sentimentTask('served', 'jsonl', { reask: false })));
    expect(await label('create', path)).toMatchObject({
      code: 0,
      out: expect.stringContaining('task served stored'),
    });
    expect((await label('list')).out).toMatch(/^served\t\*\/5 \* \* \* \*\tjsonl\tdatasets\/served\/$/m);

    // A team drops a file into the labelling bucket.
    const bucket = createS3ObjectStore({
      s3: serve.handle.runtime.clients.s3,
      bucket: LOCAL_LABELLING_BUCKET,
    });
    await bucket.put('datasets/served/a.jsonl', jsonlOf(reviews(1, 3)));
    const run = await label('run', 'served', '--now');
    expect(run).toMatchObject({ code: 0, out: expect.stringMatching(/^task served: started run lbl-/) });
    await expect
      .poll(async () => (await label('status', 'served')).out, { timeout: 30_000, interval: 200 })
      .toMatch(/completed: 3 seen, 0 reused/);
    expect((await label('status', 'served')).out).toContain('no run going');
  });

  it('says what is wrong with a task the API refuses, and a task it does not have', async () => {
    const path = join(temp.path, 'bad.json');
    await writeFile(path, JSON.stringify(sentimentTask('bad', 'jsonl', { samples: 99 })));
    const bad = await label('create', path);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/invalid_value: .*samples/s);
    const missing = await label('status', 'nope');
    expect(missing).toMatchObject({ code: 4, err: expect.stringContaining('no labelling task nope') });
  });
});
