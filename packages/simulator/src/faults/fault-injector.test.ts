import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../seeded-random';
import { type FaultContext, faultLabel, resolveFault } from './fault';
import { createFaultInjector } from './fault-injector';

const context = (promptText: string, requestIndex = 0): FaultContext => ({
  requestIndex,
  body: {},
  promptText,
  promptKey: 'k',
  attempt: 0,
  customIdHint: null,
});

describe('createFaultInjector', () => {
  it('applies a prompt rule only `times` times, then lets the prompt through', () => {
    const injector = createFaultInjector(
      { faultPlan: null, faultRates: {}, promptFaults: [{ match: 'X', fault: 'http503', times: 2 }] },
      mulberry32(1),
    );
    const picks = [0, 1, 2, 3].map(() => injector.pick(context('question X')));
    expect(picks).toEqual([{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }, null, null]);
    expect(injector.pick(context('question Y'))).toBeNull();
  });

  it('applies a rule without `times` forever, and the plan before any rule', () => {
    const injector = createFaultInjector(
      {
        faultPlan: (ctx) => (ctx.requestIndex === 1 ? { kind: 'slowHeaders', delayMs: 5 } : null),
        faultRates: {},
        promptFaults: [{ match: 'Y', fault: 'http400' }],
      },
      mulberry32(1),
    );
    expect(injector.pick(context('Y', 0))).toEqual({ kind: 'status', status: 400 });
    expect(injector.pick(context('Y', 1))).toEqual({ kind: 'slowHeaders', delayMs: 5 });
    for (let i = 2; i < 50; i += 1)
      expect(injector.pick(context('Y', i))).toEqual({ kind: 'status', status: 400 });
  });

  it('draws random faults at about their rates, the same ones for the same seed', () => {
    const options = { faultPlan: null, promptFaults: [], faultRates: { http500: 0.2, missingUsage: 0.3 } };
    const run = (seed: number) => {
      const injector = createFaultInjector(options, mulberry32(seed));
      return Array.from({ length: 5_000 }, (_, i) => {
        const fault = injector.pick(context('p', i));
        return fault === null ? 'none' : faultLabel(fault);
      });
    };
    const labels = run(9);
    expect(run(9)).toEqual(labels);
    expect(run(10)).not.toEqual(labels);
    const share = (label: string) => labels.filter((x) => x === label).length / labels.length;
    expect(share('http500')).toBeGreaterThan(0.17);
    expect(share('http500')).toBeLessThan(0.23);
    expect(share('missingUsage')).toBeGreaterThan(0.27);
    expect(share('missingUsage')).toBeLessThan(0.33);
  });

  it('keeps random faults of other prompts stable when one prompt is scripted', () => {
    const rates = { http503: 0.5 };
    const plain = createFaultInjector(
      { faultPlan: null, promptFaults: [], faultRates: rates },
      mulberry32(4),
    );
    const scripted = createFaultInjector(
      { faultPlan: null, promptFaults: [{ match: 'S', fault: 'nonJsonBody' }], faultRates: rates },
      mulberry32(4),
    );
    const prompts = ['a', 'S', 'b', 'S', 'c', 'd'];
    const fromPlain = prompts.map((p, i) => plain.pick(context(p, i)));
    const fromScripted = prompts.map((p, i) => scripted.pick(context(p, i)));
    prompts.forEach((p, i) => {
      if (p === 'S') expect(fromScripted[i]).toEqual({ kind: 'nonJsonBody' });
      else expect(fromScripted[i]).toEqual(fromPlain[i]);
    });
  });

  it('refuses rates that sum above 1', () => {
    expect(() =>
      createFaultInjector(
        { faultPlan: null, promptFaults: [], faultRates: { http500: 0.6, http503: 0.6 } },
        mulberry32(1),
      ),
    ).toThrow(/sum to <= 1/);
  });
});

describe('resolveFault / faultLabel', () => {
  it('expands shorthand names and labels status faults by status', () => {
    expect(resolveFault('http429')).toEqual({ kind: 'status', status: 429 });
    expect(resolveFault('truncatedBody')).toEqual({ kind: 'truncatedBody' });
    expect(faultLabel({ kind: 'status', status: 418 })).toBe('http418');
    expect(faultLabel({ kind: 'connectionReset', midBody: true })).toBe('connectionReset');
  });
});
