import type { Random } from '../seeded-random';
import {
  type Fault,
  type FaultContext,
  type FaultPlan,
  type FaultRates,
  type FaultSpec,
  type PromptFaultRule,
  RANDOM_FAULT_NAMES,
  resolveFault,
} from './fault';

/** Chooses the fault, if any, for each admitted request. */
export interface FaultInjector {
  pick(context: FaultContext): Fault | null;
}

export interface FaultInjectorOptions {
  readonly faultPlan: FaultPlan | null;
  readonly promptFaults: readonly PromptFaultRule[];
  readonly faultRates: FaultRates;
}

/** Sum of the rates: they are mutually exclusive outcomes of one draw, so it must not exceed 1. */
export function totalFaultRate(rates: FaultRates): number {
  return RANDOM_FAULT_NAMES.reduce((sum, name) => sum + (rates[name] ?? 0), 0);
}

/**
 * Scripted faults first (`faultPlan`, then the first `promptFaults` rule that matches and has uses left),
 * then one seeded draw against the random rates. The draw is made for every request, scripted or not,
 * so that scripting one prompt does not shift the random faults of the others.
 */
export function createFaultInjector(options: FaultInjectorOptions, random: Random): FaultInjector {
  if (totalFaultRate(options.faultRates) > 1) throw new RangeError('simulator fault rates must sum to <= 1');
  const used = options.promptFaults.map(() => 0);

  const scripted = (context: FaultContext): FaultSpec | null => {
    const planned = options.faultPlan?.(context);
    if (planned) return planned;
    for (const [index, rule] of options.promptFaults.entries()) {
      if (!context.promptText.includes(rule.match)) continue;
      const count = used[index] ?? 0;
      if (count >= (rule.times ?? Number.POSITIVE_INFINITY)) continue;
      used[index] = count + 1;
      return rule.fault;
    }
    return null;
  };

  // Rates are laid out on [0, 1) in the fixed order of RANDOM_FAULT_NAMES, so a seed replays the same faults.
  const drawn = (u: number): Fault | null => {
    let cumulative = 0;
    for (const name of RANDOM_FAULT_NAMES) {
      cumulative += options.faultRates[name] ?? 0;
      if (u < cumulative) return resolveFault(name);
    }
    return null;
  };

  return {
    pick(context) {
      const u = random();
      const spec = scripted(context);
      return spec === null ? drawn(u) : resolveFault(spec);
    },
  };
}
