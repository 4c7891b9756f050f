import type { ModelClient } from '@thinkbatch/core';
import { describe, expect, it } from 'vitest';
import { createSoakCrashes } from './soak-crashes';
import { soakSimulatorOptions } from './soak-endpoint';
import { soakMarker, soakPrompt } from './soak-input';
import { describeSoakScenario, soakReplayHint } from './soak-report';
import { generateSoakScenario } from './soak-scenario';
import { SOAK_FAULT_FAMILIES } from './soak-scenario-types';

const SEEDS = Array.from({ length: 30 }, (_, i) => i + 1);
const scenarios = SEEDS.map((seed) => generateSoakScenario({ seed, lines: 200 }));

describe('the soak scenario generator', () => {
  it('gives the same scenario for the same seed, and another for another seed', () => {
    expect(generateSoakScenario({ seed: 7, lines: 200 })).toEqual(
      generateSoakScenario({ seed: 7, lines: 200 }),
    );
    expect(describeSoakScenario(generateSoakScenario({ seed: 7 }))).not.toBe(
      describeSoakScenario(generateSoakScenario({ seed: 8 })),
    );
  });

  it('splits the lines over 1–3 jobs whose prompts never meet', () => {
    for (const s of scenarios) {
      expect(s.jobs.reduce((a, j) => a + j.lines, 0)).toBe(200);
      expect(s.jobs.length).toBeGreaterThanOrEqual(1);
      expect(s.jobs.length).toBeLessThanOrEqual(3);
      expect(new Set(s.jobs.map((j) => j.tag)).size).toBe(s.jobs.length);
    }
    expect(new Set(scenarios.map((s) => s.jobs.length))).toEqual(new Set([1, 2, 3]));
  });

  it('mixes every fault over a handful of seeds', () => {
    const labels = new Set(
      scenarios.flatMap((s) => s.endpoint.lineFaults.map((f) => f.label.split(' retry-after')[0])),
    );
    for (const label of [
      'http429',
      'http503',
      'reset',
      'reset mid-body',
      'truncated body',
      'non-JSON 200',
      'missing usage',
      'slow headers',
      'endless stream',
      'giant body',
      'poison 400',
      'poison context too long',
    ])
      expect(labels, label).toContain(label);
    const windows = scenarios.flatMap((s) => s.endpoint.windows.map((w) => w.label));
    for (const variant of ['seconds', 'milliseconds', 'both', 'date', '-5', 'garbage'])
      expect(
        windows.some((w) => w.includes(variant)),
        variant,
      ).toBe(true);
    expect(windows.some((w) => w.startsWith('burst http5'))).toBe(true);
    const sdk = new Set(scenarios.flatMap((s) => s.sdk.map((r) => `${r.service} ${r.fault.kind}`)));
    for (const kind of [
      'dynamodb slow_response',
      'dynamodb lost_response',
      'dynamodb throttled',
      'dynamodb unavailable',
      'sqs unavailable',
      'sqs partial_batch',
      's3 throttled',
      's3 unavailable',
    ])
      expect(sdk, kind).toContain(kind);
    expect(scenarios.every((s) => s.crashes.length >= s.jobs.length)).toBe(true);
    expect(
      scenarios.some((s) => s.runtime.visibilityTimeoutSeconds * 1_000 < s.runtime.workerTimeoutMs),
    ).toBe(true);
    expect(scenarios.some((s) => s.jobs.some((j) => j.delivery.copies > 1))).toBe(true);
    expect(scenarios.some((s) => s.jobs.some((j) => j.lateEvent))).toBe(true);
    expect(scenarios.some((s) => s.endpoint.requestsPerWindow !== null)).toBe(true);
  });

  it('leaves a fault family out and keeps the rest of the seed', () => {
    const full = generateSoakScenario({ seed: 5, lines: 200 });
    const calm = generateSoakScenario({ seed: 5, lines: 200, without: [...SOAK_FAULT_FAMILIES] });
    expect(calm.sdk).toEqual([]);
    expect(calm.crashes).toEqual([]);
    expect(calm.endpoint.lineFaults).toEqual([]);
    expect(calm.endpoint.windows).toEqual([]);
    expect(calm.jobs.every((j) => j.delivery.copies === 1 && !j.lateEvent)).toBe(true);
    expect(calm.runtime.visibilityTimeoutSeconds * 1_000).toBeGreaterThan(calm.runtime.workerTimeoutMs);
    expect(calm.jobs.map((j) => j.maxAttempts)).toEqual(full.jobs.map((j) => j.maxAttempts));
    expect(soakReplayHint(calm)).toContain('--without endpoint,sdk,crashes,events,redeliveries');
  });

  it('refuses options that cannot run', () => {
    expect(() => generateSoakScenario({ seed: -1 })).toThrow(RangeError);
    expect(() => generateSoakScenario({ seed: 1, lines: 0 })).toThrow(RangeError);
    expect(() => generateSoakScenario({ seed: 1, jobs: 0 })).toThrow(RangeError);
  });

  it('prints its seed and how to replay it', () => {
    const s = generateSoakScenario({ seed: 42, lines: 300, jobs: 2 });
    expect(describeSoakScenario(s)).toContain('seed 42: 300 lines in 2 job(s)');
    expect(soakReplayHint(s)).toContain('SOAK_SEED=42 pnpm soak --lines 300 --jobs 2');
  });
});

describe('the scenario carried out', () => {
  it("scripts a line's fault on that line's prompt only", () => {
    for (let i = 0; i < 200; i += 1)
      for (const j of [i + 1, i * 10, i * 10 + 3, 10 + i])
        if (j !== i) expect(soakPrompt(1_000, j)).not.toContain(soakMarker(1_000, i));
    const s = scenarios[0];
    if (s === undefined) throw new Error('no scenario');
    const options = soakSimulatorOptions(s);
    expect(options.promptFaults).toHaveLength(s.endpoint.lineFaults.length);
    const window = s.endpoint.windows[0];
    if (window === undefined) throw new Error('no window');
    const plan = options.faultPlan;
    const at = (requestIndex: number) =>
      plan?.({ requestIndex, body: {}, promptText: '', promptKey: '', attempt: 0, customIdHint: null });
    expect(at(window.fromRequest)).toEqual(window.fault);
    expect(at(10_000)).toBeNull();
  });

  it('crashes a worker once per scripted line, after the endpoint answered', async () => {
    const s = generateSoakScenario({ seed: 3, lines: 50, jobs: 1 });
    const crash = s.crashes[0];
    const job = s.jobs[0];
    if (crash === undefined || job === undefined) throw new Error('no crash');
    let calls = 0;
    const model = { complete: async () => ({ calls: ++calls }) } as unknown as ModelClient;
    const crashes = createSoakCrashes(s);
    const wrapped = crashes.wrap(model);
    const call = (line: number) =>
      wrapped.complete(
        { model: 'm', messages: [{ role: 'user', content: soakPrompt(job.tag, line) }] } as never,
        {} as never,
      );
    await expect(call(crash.line)).rejects.toThrow('worker crashed after the endpoint answered');
    expect(calls).toBe(1);
    await expect(call(crash.line)).resolves.toEqual({ calls: 2 });
    const other =
      Array.from({ length: 50 }, (_, i) => i).find((i) => !s.crashes.some((c) => c.line === i)) ?? -1;
    await expect(call(other)).resolves.toEqual({ calls: 3 });
    expect(crashes.count()).toBe(1);
  });
});
