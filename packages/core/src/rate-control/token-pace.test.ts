import {
  createSimulatedEndpoint,
  createVirtualClock,
  jobFigures,
  runGateSimulation,
  seededRandom,
} from '@thinkbatch/testing';
import { describe, expect, it } from 'vitest';
import type { AcquireRequest } from '../ports/rate-gate';
import { createInMemoryRateGate } from './in-memory-rate-gate';
import {
  allowance,
  type CallOutcome,
  type InFlightView,
  type RateControllerState,
  recordOutcome,
  recordStarts,
  startController,
} from './rate-controller';
import { parseRateGateSettings } from './rate-gate-settings';
import { gateAcquire, startGateState } from './rate-gate-state';
import { knownBindingPace, knownTokenPace, withStartTokens } from './token-pace';

const T0 = 1_000_000;
const calm: InFlightView = { level: 1, leased: 8, used: 1 };
/** Bench (d): 1,200 requests and 600,000 tokens a minute over a 1 s window. */
const settings = parseRateGateSettings({
  requestsPerMinute: 1_200,
  tokensPerMinute: 600_000,
  windowMs: 1_000,
});
/** Each call asks for 1,000 tokens (15 of prompt + `max_tokens` 985) and its answer uses 100. */
const ASKED = 1_000;
const USED = 100;

const refusal = (startedAt: number, retryAfterMs: number | null): CallOutcome => ({
  kind: 'rate_limited',
  retryAfterMs,
  startedAt,
  inFlightAtStart: 1,
});

/** `perSecond` calls a second for `seconds` from `from`, all accepted, each asking `ASKED` tokens. */
function traffic(state: RateControllerState, from: number, seconds: number, perSecond: number) {
  let s = withStartTokens(state, ASKED);
  for (let i = 0; i < seconds * perSecond; i += 1) {
    const at = from + (i * 1000) / perSecond;
    s = recordStarts(s, settings, [at]);
    const answer: CallOutcome = {
      kind: 'succeeded',
      latencyMs: 200,
      tokens: USED,
      startedAt: at,
      inFlightAtStart: 1,
    };
    s = recordOutcome(s, settings, at + 200, answer, calm);
  }
  return s;
}

const acquire = (overrides: Partial<AcquireRequest['want']>): AcquireRequest => ({
  holder: 'worker',
  leaseId: null,
  inUse: 0,
  outcomes: [],
  holdUntil: Number.MAX_SAFE_INTEGER,
  startsHeld: 0,
  want: { requests: 4, slots: 4, ...overrides },
});

describe('token pace', () => {
  it('paces a token limit by the tokens asked per start, not by what answers used', () => {
    const used = traffic(startController(settings, T0), T0, 1, 10);
    expect(used.tokensPerCall).toBe(USED);
    expect(used.startTokens).toBe(ASKED);
    // 600,000 × 0.98 tokens a minute at 1,000 a start: 588 starts a minute, below 1,200 × 0.98 requests.
    expect(knownTokenPace(used, settings)).toBeCloseTo(588, 6);
    expect(knownBindingPace(used, settings)).toBeCloseTo(588, 6);
    // Without tokens asked, the answers' usage is all there is.
    const unasked = { ...used, startTokens: null };
    expect(knownTokenPace(unasked, settings)).toBeCloseTo(5_880, 6);
    expect(knownBindingPace(unasked, settings)).toBeCloseTo(1_176, 6);
  });

  it('the gate keeps the tokens holders ask for, and spaces their starts by them', () => {
    const { state, result } = gateAcquire(
      startGateState(settings, T0),
      acquire({ tokensPerRequest: ASKED }),
      {
        now: T0,
        settings,
      },
    );
    expect(state.controller.startTokens).toBe(ASKED);
    expect(result.spacingMs).toBeCloseTo(60_000 / 588, 6);
  });

  it('a 429 while the endpoint takes all of a known token limit is timing: a 2 % step, not a cut to 0.9 ×', () => {
    const busy = traffic(startController(settings, T0), T0, 3, 10);
    const jitter = recordOutcome(busy, settings, T0 + 3_000, refusal(T0 + 3_000, null), calm);
    // The window held 10 calls (600 a minute): a 2 % step from it, not 0.9 × 600 = 540 a minute.
    expect(jitter.rate.value).toBeCloseTo(0.98 * 600, 6);
    expect(allowance(jitter, settings).requestsPerMinute).toBeGreaterThanOrEqual(0.98 * 588);
    // With a Retry-After, after a window fully accepted at the token pace, the first is a pause only.
    const pause = recordOutcome(busy, settings, T0 + 3_000, refusal(T0 + 3_000, 1_000), calm);
    expect(pause.rate).toEqual(busy.rate);
    expect(pause.pausedUntil).toBe(T0 + 4_000);
    // The same 429 when the endpoint took only 4 a second: the limit fell, cut from what it accepted.
    const fallen = traffic(startController(settings, T0), T0, 3, 4);
    const cut = recordOutcome(fallen, settings, T0 + 3_000, refusal(T0 + 3_000, 1_000), calm);
    expect(cut.rate.value).toBeCloseTo(0.9 * 240, 6);
  });

  it('bench (d) as a job: the token limit is used from the first start, without a 429, though answers use a tenth of what is charged', async () => {
    const clock = createVirtualClock();
    const gate = createInMemoryRateGate({ key: 'd', clock, settings });
    const endpoint = createSimulatedEndpoint({
      clock,
      random: seededRandom(5),
      limits: { requestsPerWindow: 20, tokensPerWindow: 10_000, maxInFlight: null, windowMs: 1_000 },
      medianLatencyMs: 200,
      latencySigma: 0.5,
      retryAfter: 'seconds',
      tokensPerCall: USED,
      tokensChargedPerCall: ASKED,
    });
    const result = await runGateSimulation({
      clock,
      gateFor: () => gate,
      endpoint,
      workers: 2,
      linesPerWorker: 16,
      durationMs: 120_000,
      totalLines: 240,
      tokensPerTake: ASKED,
      maxBackoffMs: 1_000,
    });
    const job = jobFigures(result);
    expect(job.succeeded).toBe(240);
    // Paced by the answers' usage (100 tokens) the gate would send at the request limit, twice too fast.
    expect(job.refused).toBe(0);
    expect(job.succeededPerSecond / 10, JSON.stringify(job)).toBeGreaterThanOrEqual(0.96);
  });
});
