import type { RateGate } from '../ports/rate-gate';
import { rateGateKey } from './rate-gate-key';
import type { RateGateSettings } from './rate-gate-settings';
import { createUnlimitedRateGate } from './unlimited-rate-gate';

/**
 * The rate gates of the endpoint a deployment calls: one per model (providers count per key and model),
 * shared by every worker invocation and every job that calls that model with that key.
 */
export interface RateGates {
  /** The gate of `model` on this endpoint; the same gate object for the same model. */
  forModel(model: string): RateGate;
  /** The limits every gate is built with (the worker side needs `longestWaitMs`). */
  readonly settings: RateGateSettings;
}

/** Options of {@link createRateGates}. */
export interface RateGatesOptions {
  /** Base URL of the OpenAI-compatible API the model client calls. */
  readonly baseURL: string;
  /** The API key (only its hash enters a gate key); null or empty without one. */
  readonly apiKey: string | null;
  /** Parsed limits (see `parseRateGateSettings`). */
  readonly settings: RateGateSettings;
  /**
   * Build the gate of one endpoint key: `createDynamoRateGate` on the jobs table (AWS, and the local
   * runtime on dynalite), `createInMemoryRateGate` in unit tests.
   */
  readonly create: (key: string, settings: RateGateSettings) => RateGate;
}

/** Gates keyed by `rateGateKey({ baseURL, model, apiKey })`, each built on first use. */
export function createRateGates(options: RateGatesOptions): RateGates {
  const { baseURL, apiKey, settings } = options;
  const gates = new Map<string, RateGate>();
  return {
    settings,
    forModel: (model) => {
      const key = rateGateKey({ baseURL, model, apiKey });
      const known = gates.get(key);
      if (known !== undefined) return known;
      const created = options.create(key, settings);
      const noneKnown =
        settings.requestsPerMinute === null &&
        settings.maxInFlight === null &&
        settings.tokensPerMinute === null;
      const gate = settings.unlimited && noneKnown ? createUnlimitedRateGate(created, settings) : created;
      gates.set(key, gate);
      return gate;
    },
  };
}
