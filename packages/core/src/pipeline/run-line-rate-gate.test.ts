import {
  answerEcho,
  createPipelineHarness,
  createTestRateGates,
  createVirtualClock,
} from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import { jobKeys } from '../job/job-keys';
import type { ModelCallResult } from '../ports/model-client';
import { createInMemoryRateGate } from '../rate-control/in-memory-rate-gate';
import type { CallOutcome } from '../rate-control/rate-controller';
import { parseRateGateSettings } from '../rate-control/rate-gate-settings';
import { createRateGates } from '../rate-control/rate-gates';
import { createRatePermits } from '../rate-control/rate-permits';
import { JobSummary } from '../results/job-summary';
import type { PipelineDeps } from './pipeline-deps';
import { processWorkMessage } from './process-work-message';
import { startInvocation } from './start-invocation';

const simple = (prompt: string): string => JSON.stringify({ prompt });

function httpFailure(status: number, retryAfterMs: number | null = null): ModelCallResult {
  return {
    kind: 'failed',
    latencyMs: 1,
    failure: { type: 'http_error', status, message: `status ${status}`, retryAfterMs, requestId: null },
  };
}

describe('lines calling through the rate gate', () => {
  it('spends no attempt on a 429, and counts every call in `attempts`', async () => {
    // Three 429s, a 503, then an answer: 5 calls, 2 of the 2 allowed attempts used.
    const answers = [429, 429, 503, 429];
    const h = createPipelineHarness({
      behaviour: (args) => {
        const status = args.prompt === 'busy' ? answers[args.callsForPrompt] : undefined;
        return status === undefined ? answerEcho(args) : httpFailure(status, 100);
      },
      config: { retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } },
    });
    const job = await h.upload('busy.jsonl', [simple('busy'), simple('calm')].join('\n'));
    await h.drain();
    const [busy, calm] = await h.results(job.jobId);
    expect(busy).toMatchObject({ status: 'succeeded', attempts: 5, answer: 'answer:busy' });
    expect(h.model.callsFor('busy')).toBe(5);
    expect(calm).toMatchObject({ status: 'succeeded', attempts: 1 });
    // The gate saw every call, and summary.json shows it.
    const body = await h.output.get(jobKeys.summary(job.jobId));
    const summary = JobSummary.parse(JSON.parse(new TextDecoder().decode(body ?? new Uint8Array())));
    expect(summary.attempts).toBe(6);
    expect(summary.rate_gate).toMatchObject({
      key: 'http://fake.test/v1|deepseek-ai/deepseek-r1|-',
      limits: { requests_per_minute: 60_000, max_in_flight: 10_000 },
      calls: { succeeded: 2, rate_limited: 3, failed: 1 },
    });
  });

  it('still ends a line on its other failures: 429s do not lift the retry budget', async () => {
    const h = createPipelineHarness({
      behaviour: (args) =>
        args.prompt === 'down' ? httpFailure(args.callsForPrompt % 2 === 0 ? 429 : 500) : answerEcho(args),
      config: { retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } },
    });
    const job = await h.upload('down.jsonl', simple('down'));
    await h.drain();
    const [down] = await h.results(job.jobId);
    // 429, 500, 429, 500: the second 500 is the second attempt of the budget.
    expect(down).toMatchObject({
      status: 'failed',
      attempts: 4,
      error: { code: 'attempts_exhausted', http_status: 500 },
    });
  });

  it('fails a line `rate_limited` after the longest wait, counted over its hand-backs', async () => {
    // 0.5 requests/min, and another worker holds the starts of the next four minutes (so the line's
    // invocation holds none: one that holds a start keeps its lines waiting for it). The line waits
    // 20 s (handBackAfterMs) with nothing granted to its invocation, is handed back with its wait, and
    // gives up 10 s into the next delivery.
    const h = createPipelineHarness({
      rateLimits: { requestsPerMinute: 0.5, longestWaitMs: 30_000 },
      config: { handBackAfterMs: 20_000 },
    });
    const taken = await h.deps.rateGates.forModel(h.deps.config.defaultModel).acquire({
      holder: 'another-worker',
      leaseId: null,
      inUse: 0,
      outcomes: [],
      holdUntil: h.clock.now() + 900_000,
      startsHeld: 0,
      want: { requests: 2, slots: 2 },
    });
    expect(taken.starts).toHaveLength(2);
    const job = await h.upload('slow.jsonl', simple('starved'));
    await h.drain();
    const [starved] = await h.results(job.jobId);
    expect(starved).toMatchObject({ status: 'failed', attempts: 0, error: { code: 'rate_limited' } });
    expect(starved?.error?.message).toMatch(
      /^line 1: no endpoint capacity within the longest wait \(30 s\) \(waited 30 s/,
    );
    expect(h.model.callsFor('starved')).toBe(0);
    const handedBack = h.queue.sent.filter((s) => s.message.type === 'run_chunk' && s.message.handoffs === 1);
    expect(handedBack.map((s) => s.message.type === 'run_chunk' && s.message.lines)).toEqual([
      [expect.objectContaining({ line: 1, rateWaitedMs: 20_000, unusedClaims: 1 })],
    ]);
    expect(handedBack[0]?.delaySeconds).toBe(0); // at once: no pause to wait out, only capacity elsewhere
    expect((await h.jobs.getJob(job.jobId))?.status).toBe('completed');
  });

  it('claims before waiting for a permit, and counts only calls in `attempts` across hand-backs', async () => {
    // Another worker's call drew a 429 with `Retry-After: 30` (an invocation that holds a start keeps its
    // lines waiting for it, so the wait that hands a line back is a pause past its bound): the line
    // claims, is handed back with its claim unused for after the pause, then gets a start in the next
    // delivery.
    const h = createPipelineHarness({
      rateLimits: { requestsPerMinute: 6 / 0.98 },
      config: { handBackAfterMs: 25_000 },
    });
    const other = createRatePermits({
      gate: h.deps.rateGates.forModel(h.deps.config.defaultModel),
      clock: h.clock,
      holder: 'another-worker',
      holdUntil: h.clock.now() + 900_000,
      longestWaitMs: 1_000,
    });
    const taken = await other.take();
    if (taken.kind !== 'granted') throw new Error('the other worker got no permit');
    await taken.permit.finish({ kind: 'rate_limited', retryAfterMs: 30_000 });
    const job = await h.upload('patient.jsonl', simple('patient'));
    await h.drain();
    const [patient] = await h.results(job.jobId);
    const handBacks = h.queue.sent.filter((s) => s.message.type === 'run_chunk' && s.message.handoffs > 0);
    expect(handBacks.map((s) => s.message.type === 'run_chunk' && s.message.lines)).toEqual([
      [expect.objectContaining({ line: 1, unusedClaims: 1 })],
    ]);
    expect(h.model.callsFor('patient')).toBe(1);
    // The job store counted two claims; the line made one call.
    expect(patient).toMatchObject({ status: 'succeeded', attempts: 1 });
    const body = await h.output.get(jobKeys.summary(job.jobId));
    const summary = JobSummary.parse(JSON.parse(new TextDecoder().decode(body ?? new Uint8Array())));
    expect(summary.attempts).toBe(1);
  });

  it('keeps lines waiting while their invocation holds start times to come, at ≤ 3 requests/min', async () => {
    // 2 requests/min: the gate hands this invocation starts 0, ~31 s and ~61 s ahead. Lines waiting more
    // than 20 s (handBackAfterMs) for the later ones used to be handed back, which lost their starts (the
    // gate's schedule does not rewind), so they never reached one and ended `rate_limited`.
    const h = createPipelineHarness({
      rateLimits: { requestsPerMinute: 2, longestWaitMs: 300_000 },
      config: { handBackAfterMs: 20_000 },
    });
    const job = await h.upload('slow.jsonl', ['a', 'b', 'c'].map(simple).join('\n'));
    await h.drain();
    const results = await h.results(job.jobId);
    expect(results.map((r) => [r?.status, r?.attempts])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
    const handBacks = h.queue.sent.filter((s) => s.message.type === 'run_chunk' && s.message.handoffs > 0);
    expect(handBacks).toEqual([]);
  });

  it("fails a line `rate_limited` when the job's deadline comes before capacity", async () => {
    const h = createPipelineHarness({ rateLimits: { requestsPerMinute: 0.5 } });
    const deadline = h.clock.now() + 10_000;
    const job = await h.upload('deadline.jsonl', [simple('first'), simple('second')].join('\n'), {
      metadata: { 'thinkbatch-options': JSON.stringify({ deadline }) },
    });
    await h.drain();
    const [first, second] = await h.results(job.jobId);
    expect(first).toMatchObject({ status: 'succeeded' });
    expect(second).toMatchObject({ status: 'failed', attempts: 0, error: { code: 'rate_limited' } });
    expect(second?.error?.message).toContain("the job's deadline comes before the endpoint has capacity");
  });

  it("pauses every line of the invocation for one line's 429 and its Retry-After", async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 6 } });
    const clock = createVirtualClock(h.clock.now());
    const callTimes: { prompt: string; at: number }[] = [];
    const lines = ['storm', 'b', 'c', 'd', 'e', 'f'];
    const job = await h.upload('pause.jsonl', lines.map(simple).join('\n'));
    const [item] = h.queue.drain();
    if (item === undefined) throw new Error('no work item');
    // Paced at 10 calls/s, so the others are still waiting for their start times when the 429 comes.
    const deps: PipelineDeps = {
      ...h.deps,
      clock,
      rateGates: createTestRateGates(clock, { requestsPerMinute: 600, windowMs: 1_000, maxInFlight: 16 }),
      model: {
        complete: async (body, options) => {
          const prompt = body.messages.at(-1)?.content ?? '';
          callTimes.push({ prompt, at: clock.now() });
          if (prompt === 'storm' && callTimes.filter((c) => c.prompt === 'storm').length === 1) {
            return httpFailure(429, 5_000);
          }
          await clock.sleep(200, options.signal);
          return answerEcho({ prompt, body });
        },
      },
    };
    const started = clock.now();
    const invocation = startInvocation(deps, { deadline: started + 900_000 });
    const done = processWorkMessage(deps, item.message, invocation).finally(() => invocation.close());
    await clock.runUntil(started + 60_000);
    await done;
    const [refused, ...rest] = callTimes;
    expect(refused).toEqual({ prompt: 'storm', at: started });
    expect(rest).toHaveLength(lines.length);
    for (const call of rest) expect(call.at, call.prompt).toBeGreaterThanOrEqual(started + 5_000);
    const results = await (async () => {
      await h.drain({});
      return h.results(job.jobId);
    })();
    expect(results.map((r) => [r.status, r.attempts])).toEqual([
      ['succeeded', 2],
      ...lines.slice(1).map(() => ['succeeded', 1]),
    ]);
  });

  it('counts a call late from the send time the model client reports, not from when it was called', async () => {
    const SEND_DELAY_MS = 250;
    const lines = ['a', 'b', 'c'];
    const h = createPipelineHarness({ config: { linesPerChunk: lines.length } });
    const clock = createVirtualClock(h.clock.now());
    await h.upload('late-send.jsonl', lines.map(simple).join('\n'));
    const [item] = h.queue.drain();
    if (item === undefined) throw new Error('no work item');
    // Every outcome the gate is told of, as the holders report them.
    const outcomes: CallOutcome[] = [];
    const rateGates = createRateGates({
      baseURL: 'http://fake.test/v1',
      apiKey: null,
      settings: parseRateGateSettings({ requestsPerMinute: 600, windowMs: 1_000, maxInFlight: 16 }),
      create: (key, settings) => {
        const gate = createInMemoryRateGate({ key, clock, settings });
        return {
          ...gate,
          key: gate.key,
          acquire: (request) => {
            outcomes.push(...request.outcomes);
            return gate.acquire(request);
          },
          report: (report) => {
            outcomes.push(...report.outcomes);
            return gate.report(report);
          },
          release: (report) => {
            outcomes.push(...report.outcomes);
            return gate.release(report);
          },
        };
      },
    });
    const deps: PipelineDeps = {
      ...h.deps,
      clock,
      rateGates,
      model: {
        // The request leaves SEND_DELAY_MS after the call (the SDK, the HTTP path), then answers in 100 ms.
        complete: async (body, options) => {
          await clock.sleep(SEND_DELAY_MS, options.signal);
          const sentAt = clock.now();
          await clock.sleep(100, options.signal);
          return { ...answerEcho({ prompt: body.messages.at(-1)?.content ?? '', body }), sentAt };
        },
      },
    };
    const started = clock.now();
    const invocation = startInvocation(deps, { deadline: started + 900_000 });
    const done = processWorkMessage(deps, item.message, invocation).finally(() => invocation.close());
    await clock.runUntil(started + 60_000);
    await done;
    expect(outcomes.map((o) => o.kind)).toEqual(lines.map(() => 'succeeded'));
    for (const outcome of outcomes) expect(outcome.lateMs).toBeGreaterThanOrEqual(SEND_DELAY_MS);
  });

  /** One chunk of `prompts` run by one invocation on a virtual clock, calls taking `latencyMs`, one in flight. */
  async function oneSlotRun(
    prompts: readonly string[],
    latencyMs: number,
    /** Called as each call starts, with a way to cancel the job. */
    during?: (cancel: () => Promise<unknown>) => void,
  ) {
    const h = createPipelineHarness({ config: { linesPerChunk: prompts.length } });
    const clock = createVirtualClock(h.clock.now());
    const job = await h.upload('one-slot.jsonl', prompts.map(simple).join('\n'));
    const [item] = h.queue.drain();
    if (item === undefined) throw new Error('no work item');
    const log: { op: string; at: number }[] = [];
    const jobs = new Proxy(h.deps.jobs, {
      get: (target, name, receiver) => {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          log.push({ op: String(name), at: clock.now() });
          return Reflect.apply(value, target, args);
        };
      },
    });
    const deps: PipelineDeps = {
      ...h.deps,
      jobs,
      clock,
      rateGates: createTestRateGates(clock, { requestsPerMinute: 60_000, windowMs: 1_000, maxInFlight: 1 }),
      model: {
        complete: async (body, options) => {
          log.push({ op: 'call', at: clock.now() });
          during?.(() => h.jobs.requestCancel(job.jobId, clock.now()));
          await clock.sleep(latencyMs, options.signal);
          return answerEcho({ prompt: body.messages.at(-1)?.content ?? '', body });
        },
      },
    };
    const started = clock.now();
    const invocation = startInvocation(deps, { deadline: started + 900_000 });
    const done = processWorkMessage(deps, item.message, invocation).finally(() => invocation.close());
    await clock.runUntil(started + 120_000);
    await done;
    await h.drain({});
    return { h, job, log, started, results: await h.results(job.jobId) };
  }

  it('after a short wait for a slot, calls without a job store round trip (the slot would idle for it)', async () => {
    const { log, results } = await oneSlotRun(['a', 'b', 'c'], 300);
    expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const calls = log.filter((entry) => entry.op === 'call');
    expect(calls.map((c) => c.at - (calls[0]?.at ?? 0))).toEqual([0, 300, 600]);
    // Between a slot freeing (a call ending) and the next call there is no job store round trip: the line
    // claimed its attempt before it waited, and a short wait reads no cancel flag again.
    for (const call of calls.slice(1)) {
      const sameMoment = log.filter((entry) => entry.at === call.at && entry.op !== 'call');
      expect(sameMoment.map((entry) => entry.op)).not.toContain('getJob');
      expect(sameMoment.map((entry) => entry.op)).not.toContain('claimLineAttempt');
    }
  });

  it('after a long wait for a slot, reads the cancel flag again before paying: a cancel during the wait stops the line', async () => {
    let cancel: Promise<unknown> | null = null;
    // The second line is waiting for the one slot when the cancel lands.
    const run = await oneSlotRun(['slow', 'waiting'], 5_000, (request) => {
      cancel ??= request();
    });
    await cancel;
    expect(run.log.filter((entry) => entry.op === 'call')).toHaveLength(1);
    expect(run.results.map((r) => [r.status, r.attempts])).toEqual([
      ['succeeded', 1],
      ['cancelled', 0],
    ]);
  });

  it('carries as many lines at once as the gate grants slots, beyond the old fixed 8, never more', async () => {
    const h = createPipelineHarness({ config: { linesPerChunk: 40 } });
    const clock = createVirtualClock(h.clock.now());
    const job = await h.upload(
      'wide.jsonl',
      Array.from({ length: 40 }, (_, i) => simple(`q${i}`)).join('\n'),
    );
    const [item] = h.queue.drain();
    if (item === undefined) throw new Error('no work item');
    let inFlight = 0;
    let peak = 0;
    const deps: PipelineDeps = {
      ...h.deps,
      clock,
      rateGates: createTestRateGates(clock, { requestsPerMinute: 60_000, windowMs: 1_000, maxInFlight: 24 }),
      model: {
        complete: async (body, options) => {
          inFlight += 1;
          peak = Math.max(peak, inFlight);
          await clock.sleep(2_000, options.signal);
          inFlight -= 1;
          return answerEcho({ prompt: body.messages.at(-1)?.content ?? '', body });
        },
      },
    };
    const invocation = startInvocation(deps, { deadline: clock.now() + 900_000 });
    const done = processWorkMessage(deps, item.message, invocation).finally(() => invocation.close());
    await clock.runUntil(clock.now() + 60_000);
    await done;
    expect(peak).toBe(24);
    await h.drain({});
    expect((await h.results(job.jobId)).every((r) => r.status === 'succeeded')).toBe(true);
  });
});
