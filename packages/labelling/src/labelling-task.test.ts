import { describe, expect, it } from 'vitest';
import { LabellingError } from './labelling-error';
import { dueTick } from './labelling-schedule';
import { parseLabellingTask, taskFingerprint } from './labelling-task';

const minimal = {
  id: 'reviews',
  dataset: { prefix: 'datasets/reviews/', format: 'jsonl' },
  prompt: { template: 'Review: {{text}}' },
  labels: { enum: ['positive', 'negative'] },
};

describe('parseLabellingTask', () => {
  it("fills in R1's defaults: temperature 0.6, the boxed directive, one sample, a re-ask, hourly", () => {
    expect(parseLabellingTask(minimal)).toMatchObject({
      version: 1,
      params: { temperature: 0.6, max_tokens: 4096 },
      prompt: { boxed: true, instructions: '' },
      samples: 1,
      reask: true,
      schedule: '0 * * * *',
    });
  });

  it('refuses a bad cron, id, prefix, template or label space, saying what', () => {
    const bad = (change: Record<string, unknown>, message: RegExp) =>
      expect(() => parseLabellingTask({ ...minimal, ...change })).toThrow(message);
    bad({ schedule: 'every hour' }, /cron expression/);
    bad({ id: '../x' }, /id/);
    bad({ dataset: { prefix: '../up', format: 'jsonl' } }, /relative key prefix/);
    bad({ prompt: { template: 'no fields' } }, /uses no row field/);
    bad({ labels: { enum: ['Yes', 'yes '] } }, /are the same label/);
    bad({ labels: { schema: { type: 'nonsense' } } }, /does not compile/);
    bad({ samples: 0 }, /samples/);
    expect(() => parseLabellingTask({ ...minimal, extra: 1 })).toThrow(LabellingError);
  });

  it('changes the fingerprint with what a label depends on, not with the schedule or the cap', () => {
    const base = parseLabellingTask(minimal);
    const fp = (change: Record<string, unknown>) =>
      taskFingerprint(parseLabellingTask({ ...minimal, ...change }), 'm');
    expect(fp({})).toBe(taskFingerprint(base, 'm'));
    expect(fp({ schedule: '*/5 * * * *', spendingCap: { tokens: 10 } })).toBe(fp({}));
    for (const change of [{ version: 2 }, { samples: 3 }, { params: { temperature: 0.7 } }, { model: 'x' }])
      expect(fp(change)).not.toBe(fp({}));
    expect(taskFingerprint(base, 'other-model')).not.toBe(taskFingerprint(base, 'm'));
  });
});

describe('dueTick', () => {
  it('names the latest time the schedule fired within the window, or null', () => {
    expect(dueTick('*/5 * * * *', new Date('2026-11-29T10:07:30Z'), 5 * 60_000)?.toISOString()).toBe(
      '2026-11-29T10:05:00.000Z',
    );
    expect(dueTick('0 * * * *', new Date('2026-11-29T10:07:30Z'), 5 * 60_000)).toBeNull();
    expect(dueTick('0 * * * *', new Date('2026-11-29T11:00:00Z'), 5 * 60_000)?.toISOString()).toBe(
      '2026-11-29T11:00:00.000Z',
    );
  });
});
