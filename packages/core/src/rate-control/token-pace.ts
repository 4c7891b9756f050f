import { knownPace, paceHeadroom } from './controller-rules';
import type { RateControllerState } from './rate-controller';
import type { RateGateSettings } from './rate-gate-settings';

/**
 * The pace a known token limit allows, in requests per minute. A token limit is charged per call before
 * its usage is known (prompt + `max_tokens`, as OpenAI and the simulator charge at admission), so the
 * gate spaces starts by the tokens its holders asked for (`AcquireRequest.want.tokensPerRequest`), which
 * the controller keeps (`startTokens`); only without them does it fall back on the usage of the answers
 * (`tokensPerCall`, e.g. a server that charges what was generated). When a token limit binds, the rate
 * the endpoint accepts is this pace, not the request limit, and the 429s of a call a little late are
 * timing at this pace: judged against the request limit (half of it in bench (d)), they read as a fallen
 * limit and cut the pace to 0.9 × what was accepted for the rest of the job.
 */

/** Weight of a new estimate in the average of tokens asked per start. */
const START_TOKENS_WEIGHT = 1 / 4;

/** The controller with one more estimate of the tokens a start is charged (from an acquire). */
export function withStartTokens(state: RateControllerState, tokens: number | undefined): RateControllerState {
  if (tokens === undefined || !(tokens > 0)) return state;
  const previous = state.startTokens;
  const startTokens = previous === null ? tokens : previous + START_TOKENS_WEIGHT * (tokens - previous);
  return { ...state, startTokens };
}

/** Tokens a start is expected to be charged: asked for by holders, else the answers' average usage. */
export const tokensPerStart = (state: RateControllerState): number | null =>
  state.startTokens ?? state.tokensPerCall;

/** A known token limit (less the pace headroom) as requests per minute; null when none is known. */
export function knownTokenPace(state: RateControllerState, settings: RateGateSettings): number | null {
  const perStart = tokensPerStart(state);
  if (settings.tokensPerMinute === null || perStart === null || perStart <= 0) return null;
  return (settings.tokensPerMinute * (1 - paceHeadroom(state, settings))) / perStart;
}

/** The pace the known limits allow together (requests or tokens, the lower), per minute; null: none known. */
export function knownBindingPace(state: RateControllerState, settings: RateGateSettings): number | null {
  const requests = knownPace(state, settings);
  const tokens = knownTokenPace(state, settings);
  if (requests === null) return tokens;
  return tokens === null ? requests : Math.min(requests, tokens);
}

/** The pace starts are handed out at now, per minute: the rate allowance, or a known token limit's. */
export const pacedRate = (state: RateControllerState, settings: RateGateSettings): number =>
  Math.min(state.rate.value, knownTokenPace(state, settings) ?? Number.POSITIVE_INFINITY);
