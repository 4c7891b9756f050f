import { isValidJobId, jobKeys } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { createInline, jsonl, waitForJob } from '../api/api-helpers';
import { useServe } from '../api/serve-fixture';

const serve = useServe();

/** The longest a presigned link may live (SECURITY.md): 15 minutes. */
const MAX_LINK_SECONDS = 900;

/** The validity window a SigV4 presigned URL carries: signed at X-Amz-Date, for X-Amz-Expires seconds. */
function validity(url: string): { signedAt: number; expiresAt: number; seconds: number; key: string } {
  const parsed = new URL(url);
  const date = parsed.searchParams.get('X-Amz-Date') ?? '';
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (match === null) throw new Error(`no X-Amz-Date in ${url}`);
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const signedAt = Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s);
  const seconds = Number(parsed.searchParams.get('X-Amz-Expires'));
  // Path-style: /<bucket>/<key>
  const key = decodeURIComponent(parsed.pathname.split('/').slice(2).join('/'));
  return { signedAt, expiresAt: signedAt + seconds * 1000, seconds, key };
}

describe('presigned links are short-lived', () => {
  it('signs an upload slot for 15 minutes at most, for that job’s input key and its metadata only', async () => {
    const before = Date.now();
    const { data } = await serve.client.POST('/v1/jobs', { body: { input: { type: 'upload' } } });
    const upload = data?.upload;
    if (upload == null || data === undefined) throw new Error('no upload slot');
    const link = validity(upload.url);
    expect(link.seconds).toBeGreaterThan(0);
    expect(link.seconds).toBeLessThanOrEqual(MAX_LINK_SECONDS);
    expect(link.signedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(link.signedAt).toBeLessThanOrEqual(Date.now());
    // The client is told the truth about when the slot closes (to the second the signature has).
    expect(Math.abs(Date.parse(upload.expires_at) - link.expiresAt)).toBeLessThan(2_000);
    expect(link.key).toBe(`inputs/${data.job.id}.jsonl`);
    expect(new URL(upload.url).searchParams.get('X-Amz-SignedHeaders')).toContain(
      'x-amz-meta-thinkbatch-job-id',
    );
  });

  it('signs download links for 15 minutes at most, each under the job’s own prefix', async () => {
    const job = await createInline(serve.client, jsonl(['a', 'b']));
    await waitForJob(serve.client, job.id);
    const { data } = await serve.client.GET('/v1/jobs/{id}/results', { params: { path: { id: job.id } } });
    const files = data?.files;
    if (files == null) throw new Error('no files');
    const links = [files.results, files.errors, files.summary];
    for (const file of links) {
      const link = validity(file.url);
      expect(link.seconds).toBeLessThanOrEqual(MAX_LINK_SECONDS);
      expect(link.key.startsWith(jobKeys.root(job.id))).toBe(true);
      expect(Math.abs(Date.parse(file.expires_at) - link.expiresAt)).toBeLessThan(2_000);
    }
  });
});

describe('a job cannot reach another job’s objects', () => {
  it('derives every key of a job from its validated id, under its own prefix and no other job’s', () => {
    // Ids that are prefixes of one another, differ in case or separator: the tricky neighbours.
    const ids = ['a', 'a-b', 'a_b', 'ab', 'A', 'a-', 'job_1', 'job_10', 'job_1-0', '-', '_'];
    for (const id of ids) expect(isValidJobId(id)).toBe(true);
    const keysOf = (id: string): string[] => [
      jobKeys.results(id),
      jobKeys.errors(id),
      jobKeys.summary(id),
      jobKeys.openaiBatch(id),
      jobKeys.chunkResults(id, 0),
      jobKeys.lineResult(id, 0, 1, 'token'),
      jobKeys.lineResultPrefix(id, 0, 1),
      jobKeys.linesPrefix(id),
      jobKeys.chunksPrefix(id),
    ];
    for (const a of ids) {
      for (const key of keysOf(a)) {
        expect(key.startsWith(jobKeys.root(a))).toBe(true);
        expect(key).not.toMatch(/\/\.\.?\//);
        for (const b of ids) if (b !== a) expect(key.startsWith(jobKeys.root(b))).toBe(false);
      }
    }
    // An id that could leave its prefix never becomes a key.
    for (const bad of ['../job_1', 'job_1/..', 'a/b', '', 'job\u0000', 'x'.repeat(65)])
      expect(() => jobKeys.results(bad), bad).toThrow(/not a job id/);
  });

  it('refuses ids that would name another job’s keys, before touching a store', async () => {
    const victim = await createInline(serve.client, jsonl(['secret question']));
    await waitForJob(serve.client, victim.id);
    const attempts = [
      `..%2F${victim.id}`,
      `x%2F..%2F..%2Fjobs%2F${victim.id}`,
      `${victim.id}%00`,
      `${victim.id}%2F`,
      `${victim.id}*`,
      'job_%2e%2e',
      'a'.repeat(65),
    ];
    for (const id of attempts) {
      for (const path of [`/v1/jobs/${id}`, `/v1/jobs/${id}/results`, `/v1/jobs/${id}/cancel`]) {
        const response = await fetch(`${serve.url}${path}`, {
          method: path.endsWith('cancel') ? 'POST' : 'GET',
          headers: { authorization: `Bearer ${serve.token}` },
        });
        const text = await response.text();
        expect([400, 404], `${path}: ${text}`).toContain(response.status);
        expect(text).not.toContain('secret question');
        expect(text).not.toContain(`jobs/${victim.id}/`);
      }
    }
  });

  it('lets a job choose no endpoint: options naming a URL are refused', async () => {
    for (const options of [{ endpoint: 'https://evil.example/v1' }, { baseURL: 'https://evil.example/v1' }]) {
      const response = await fetch(`${serve.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ input: { type: 'inline', content: jsonl(['q']) }, options }),
      });
      expect(response.status).toBe(400);
    }
  });
});
