import { describe, expect, it } from 'vitest';
import { createSdkFaultPlan, type SdkCall } from './sdk-fault-plan';

const call = (operation: string, input: Record<string, unknown> = {}): SdkCall => ({
  service: 'dynamodb',
  operation,
  input,
});

describe('createSdkFaultPlan', () => {
  it('decides the same faults for the same seed and calls, and others for another seed', () => {
    const decisions = (seed: number) => {
      const plan = createSdkFaultPlan({
        seed,
        rules: [{ service: 'dynamodb', rate: 0.3, fault: { kind: 'throttled' } }],
      });
      return Array.from({ length: 200 }, () => plan.decide(call('GetItem'), 'attempt') !== null);
    };
    expect(decisions(7)).toEqual(decisions(7));
    expect(decisions(7)).not.toEqual(decisions(8));
    const struck = decisions(7).filter(Boolean).length;
    expect(struck).toBeGreaterThan(30);
    expect(struck).toBeLessThan(90);
  });

  it('lets `after` matching calls through, strikes at most `times`, and only the operations and inputs named', () => {
    const plan = createSdkFaultPlan({
      seed: 1,
      rules: [
        {
          service: 'dynamodb',
          operations: ['UpdateItem'],
          when: (input) => input['hit'] === true,
          after: 2,
          times: 2,
          fault: { kind: 'unavailable' },
        },
      ],
    });
    const outcomes = [
      plan.decide(call('GetItem', { hit: true }), 'attempt'),
      plan.decide(call('UpdateItem', { hit: false }), 'attempt'),
      plan.decide(call('UpdateItem', { hit: true }), 'attempt'),
      plan.decide(call('UpdateItem', { hit: true }), 'attempt'),
      plan.decide(call('UpdateItem', { hit: true }), 'attempt'),
      plan.decide(call('UpdateItem', { hit: true }), 'attempt'),
      plan.decide(call('UpdateItem', { hit: true }), 'attempt'),
    ].map((f) => f?.kind ?? null);
    expect(outcomes).toEqual([null, null, null, null, 'unavailable', 'unavailable', null]);
    expect(plan.injected.map((f) => f.call)).toEqual([2, 3]);
  });

  it('decides whole-call rules and partial batches per request, the others per attempt, and stops when disarmed', () => {
    const plan = createSdkFaultPlan({
      seed: 1,
      rules: [
        { service: 'sqs', operations: ['SendMessageBatch'], fault: { kind: 'partial_batch', entries: 1 } },
        { service: 'dynamodb', scope: 'call', fault: { kind: 'throttled' } },
      ],
    });
    const batch: SdkCall = { service: 'sqs', operation: 'SendMessageBatch', input: {} };
    expect(plan.decide(batch, 'attempt')).toBeNull();
    expect(plan.decide(batch, 'request')?.kind).toBe('partial_batch');
    expect(plan.decide(call('PutItem'), 'attempt')).toBeNull();
    expect(plan.decide(call('PutItem'), 'request')?.kind).toBe('throttled');
    plan.disarm();
    expect(plan.decide(call('PutItem'), 'request')).toBeNull();
  });

  it('refuses a rate outside [0, 1] and a partial batch on another service', () => {
    expect(() =>
      createSdkFaultPlan({ seed: 1, rules: [{ service: 's3', rate: 2, fault: { kind: 'throttled' } }] }),
    ).toThrow(RangeError);
    expect(() =>
      createSdkFaultPlan({
        seed: 1,
        rules: [{ service: 's3', fault: { kind: 'partial_batch', entries: 1 } }],
      }),
    ).toThrow(/SendMessageBatch/);
  });
});
