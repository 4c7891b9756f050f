import { LOCAL_SIMULATOR_LIMITS, type ModelClient } from '@thinkbatch/core';
import { startLocalRuntime } from '@thinkbatch/local';
import { createFakeModelClient, createRecordingLogger, readResultsFile } from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';

describe('a worker invocation that outlives its timeout, in the local runtime', { timeout: 60_000 }, () => {
  it('is killed mid-call: it records nothing, its work comes back, and every line ends once', async () => {
    // The first call of each prompt hangs past the 2 s invocation, deaf to its deadline and signal (so the
    // worker cannot hand it back in time), and answers at 2.5 s — before the message is visible again at
    // about 5 s. Later calls answer at once.
    const echo = createFakeModelClient();
    const model: ModelClient & { callsFor(prompt: string): number } = {
      callsFor: (prompt) => echo.callsFor(prompt),
      complete: async (body, options) => {
        const prompt = JSON.stringify(body.messages.at(-1)?.content ?? '');
        const first = !hung.has(prompt);
        hung.add(prompt);
        if (first) await new Promise((resolve) => setTimeout(resolve, 2_500));
        return echo.complete(body, { ...options, timeoutMs: 60_000, signal: new AbortController().signal });
      },
    };
    const hung = new Set<string>();
    const log = createRecordingLogger();
    let handBacks = 0;
    const runtime = await startLocalRuntime({
      model,
      endpoint: { baseURL: 'http://127.0.0.1:9/v1', apiKey: null, limits: LOCAL_SIMULATOR_LIMITS },
      log,
      workerTimeoutMs: 2_000,
      visibilityTimeoutSeconds: 3,
      wrapWorkQueue: (queue) => ({
        send: async (messages, options) => {
          for (const message of messages)
            if (message.type === 'run_chunk' && message.handoffs > 0) handBacks += 1;
          return queue.send(messages, options);
        },
      }),
      config: { reserveMs: 200, linesPerChunk: 10 },
      sweeper: false,
    });
    try {
      const prompts = ['p1', 'p2', 'p3'];
      const jobId = await runtime.submit(
        `${prompts.map((prompt) => JSON.stringify({ prompt })).join('\n')}\n`,
      );
      const job = await runtime.waitForJob(jobId, { timeoutMs: 40_000 });
      expect(job.status).toBe('completed');
      const results = await readResultsFile(runtime.deps.output, job);
      expect(results.map((r) => [r.line, r.status])).toEqual([
        [1, 'succeeded'],
        [2, 'succeeded'],
        [3, 'succeeded'],
      ]);
      // Killed after its calls started (each counted), answered by the redelivery: two attempts each.
      for (const prompt of prompts) expect(model.callsFor(prompt)).toBe(2);
      for (const result of results) expect(result.attempts).toBe(2);
      expect(log.entries.some((e) => /timed out and was killed/.test(e.message))).toBe(true);
      // Neither its late answers (recorded: one attempt, one call) nor its hand-backs got out.
      expect(handBacks).toBe(0);
    } finally {
      await runtime.stop();
    }
  });
});
