import type { RateGateSettings } from '../rate-control/rate-gate-settings';
import { createAdaptiveLimiter } from './limiter';
import { createLinePermits } from './line-permits';
import type { PipelineDeps } from './pipeline-deps';
import { createProgressPushPacer } from './progress-push-pacer';
import type { Invocation } from './run-chunk';

/** An invocation's shared state, to be closed when it ends. */
export interface StartedInvocation extends Invocation {
  /** Hand the invocation's rate gate leases back. Never throws: a lease not handed back expires. */
  close(): Promise<void>;
}

/**
 * Start one worker invocation: its permits for endpoint calls (one lease per model's gate, held until
 * `deadline` at most) and a limiter that lets in as many lines as hold permits plus as many again (at
 * least `config.linesAwaitingPermit`), never more than `config.lineConcurrency`. Against an endpoint
 * without limits (`RateGateSettings.unlimited`) every line is let in up to `config.lineConcurrency`
 * (see `unlimitedEndpoint`).
 */
export function startInvocation(
  deps: Pick<PipelineDeps, 'rateGates' | 'clock' | 'config' | 'newToken' | 'log'>,
  options: {
    /** Epoch ms by which the invocation must have returned. */
    readonly deadline: number;
    readonly signal?: AbortSignal;
  },
): StartedInvocation {
  const max = deps.config.lineConcurrency;
  let recheck = (): void => {};
  const permits = createLinePermits({
    gates: deps.rateGates,
    clock: deps.clock,
    holder: `invocation-${deps.newToken()}`,
    holdUntil: options.deadline,
    maxInFlight: max,
    onChange: () => recheck(),
  });
  const limiter = createAdaptiveLimiter({
    max,
    ahead: unlimitedEndpoint(deps.rateGates.settings) ? max : Math.min(max, deps.config.linesAwaitingPermit),
    // A line claims its attempt (and reads the cancel flag) before it waits for a permit: with as many
    // lines ahead as in call, slots freed by calls find a line waiting even when those round trips take
    // about as long as a call (a busy job store). Traced bench (b): 8 ahead of 8 calls left slots idle.
    aheadPerBusy: 1,
    busy: () => permits.inCall,
  });
  recheck = limiter.recheck;
  return {
    deadline: options.deadline,
    limiter,
    permits,
    progressPushes: createProgressPushPacer(deps.clock),
    ...(options.signal && { signal: options.signal }),
    close: async () => {
      await permits
        .close()
        .catch((error: unknown) =>
          deps.log.warn('could not hand the rate gate leases back; they expire', { error: String(error) }),
        );
    },
  };
}

/**
 * An endpoint configured without any limit (`createRateGates` gives it the unlimited gate): a line never
 * waits for a permit, so lines let in "ahead" crowd nothing, while lines let in one by one as others
 * finish leave a chunk's claims and records in groups of two or three (one round trip each). Letting a
 * chunk's lines in together groups them (measured: BENCHMARKS.md, `scale-cpu-notes`). After a 429 the
 * gate paces again; the lines already in then wait for permits holding their claims (as lines ahead do).
 */
export function unlimitedEndpoint(settings: RateGateSettings): boolean {
  return (
    settings.unlimited &&
    settings.requestsPerMinute === null &&
    settings.maxInFlight === null &&
    settings.tokensPerMinute === null
  );
}
