import type { RateControllerState } from './rate-controller';
import type { RateGateSettings } from './rate-gate-settings';

/**
 * Whether the gate hands out start times unpaced: a known concurrency limit C and nothing else known,
 * before the first answer (and before any 429). Until a call ends no slot frees, so no more than C calls
 * can start whatever the pace; pacing them at the unknown rate's starting value (C per provider window,
 * the allowance the snapshot shows) only spread the first C calls over a whole window — and the starts
 * handed out at that spacing, held by the holders, kept their calls at C per window after the first
 * answer had set the pace to 2 × C / latency (bench (b): 8 calls in the first second of a job whose
 * ceiling is 23.5/s; ~0.045 of its goodput in the kit's simulation). The slots pace them instead.
 */
export function startsUnpaced(state: RateControllerState, settings: RateGateSettings): boolean {
  return (
    settings.maxInFlight !== null &&
    settings.requestsPerMinute === null &&
    settings.tokensPerMinute === null &&
    state.latency.samples === 0 &&
    state.rate.failedAt === null
  );
}
