import {
  dueTick,
  type LabellingReport,
  type LabellingTask,
  RowLabel,
  runDueLabellingTasks,
  type StartRunOutcome,
  scheduleLabellingTasks,
  startLabellingRun,
} from '@thinkbatch/labelling';
import { LABELLING_MARKERS } from '@thinkbatch/simulator';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jsonlOf,
  type LabellingStack,
  reviews,
  saveTask,
  sentimentTask,
  startLabellingStack,
} from './labelling-stack';

let stack: LabellingStack;
beforeAll(async () => {
  stack = await startLabellingStack();
});
afterAll(async () => {
  await stack?.stop();
});

const FIVE_MINUTES = 5 * 60_000;
const LABELS = ['positive', 'negative', 'neutral'];

/** The run a tick started, finished: its report. */
async function finished(outcome: StartRunOutcome): Promise<LabellingReport> {
  if (outcome.kind === 'finished') return outcome.report;
  if (outcome.kind !== 'started') throw new Error(`the tick did not start a run: ${outcome.kind}`);
  const timeout = AbortSignal.timeout(60_000);
  return stack.labelling.waitForRun(outcome.runId, timeout);
}

async function tick(task: LabellingTask, at: string): Promise<StartRunOutcome> {
  const due = dueTick(task.schedule, new Date(at), FIVE_MINUTES);
  if (due === null) throw new Error(`${task.schedule} is not due at ${at}`);
  return startLabellingRun(stack.labelling.deps, task, due);
}

async function labelledRows(report: LabellingReport): Promise<Record<string, unknown>[]> {
  const body = await stack.labelling.deps.store.get(report.output);
  if (body === null) throw new Error(`no ${report.output}`);
  return new TextDecoder()
    .decode(body)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const put = (key: string, text: string) => stack.labelling.deps.store.put(key, text);

describe('scheduled labelling on the embedded runtime, against the simulated endpoint', () => {
  it('labels a JSONL dataset on a schedule tick, through one pipeline job, with a report', async () => {
    const task = await saveTask(stack, sentimentTask('tick-jsonl', 'jsonl', { reask: false }));
    await put('datasets/tick-jsonl/a.jsonl', jsonlOf(reviews(1, 6)));
    const [due] = await runDueLabellingTasks(
      stack.labelling.deps,
      new Date('2026-11-29T10:05:30Z'),
      FIVE_MINUTES,
    );
    expect(due?.taskId).toBe(task.id);
    const report = await finished(due?.outcome as StartRunOutcome);
    expect(report).toMatchObject({
      status: 'completed',
      rows_seen: 6,
      rows_reused: 0,
      tick: '2026-11-29T10:05:00.000Z',
    });
    expect(report.rows_labelled + report.rows_invalid).toBe(6);
    const rows = await labelledRows(report);
    expect(rows.map((row) => row['id'])).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    for (const row of rows) {
      RowLabel.parse(row);
      if (row['label'] !== null) expect(LABELS).toContain(row['label']);
      else expect(row['label_error']).toMatch(/no valid label/);
    }
    const job = await stack.labelling.runtime.deps.jobs.getJob(report.jobs[0] ?? '');
    expect(job).toMatchObject({ status: 'completed', linesTotal: 6 });
    expect(report.tokens.total).toBeGreaterThan(0);
  });

  it('labels a CSV dataset into labelled.csv', async () => {
    const task = await saveTask(stack, sentimentTask('tick-csv', 'csv'));
    await put(
      'datasets/tick-csv/a.csv',
      'id,text\nc1,"Great, really great"\nc2,"Broke, ""sadly"""\nc3,meh\n',
    );
    const report = await finished(await tick(task, '2026-11-29T11:00:10Z'));
    expect(report.output.endsWith('labelled.csv')).toBe(true);
    const body = await stack.labelling.deps.store.get(report.output);
    const records = parseCsv(new TextDecoder().decode(body ?? new Uint8Array()), { columns: true }) as Record<
      string,
      string
    >[];
    expect(records.map((r) => [r['id'], r['text']])).toEqual([
      ['c1', 'Great, really great'],
      ['c2', 'Broke, "sadly"'],
      ['c3', 'meh'],
    ]);
    expect(Object.keys(records[0] ?? {})).toEqual([
      'id',
      'text',
      'label',
      'agreement',
      'reasoning',
      'answers',
      'label_error',
    ]);
    for (const record of records) expect(LABELS).toContain(record['label']);
  });

  it('labels only the new rows of an appended file, and nothing on a tick without changes', async () => {
    const task = await saveTask(stack, sentimentTask('append', 'jsonl', { reask: false }));
    await put('datasets/append/log.jsonl', jsonlOf(reviews(1, 4)));
    const first = await finished(await tick(task, '2026-11-29T12:00:00Z'));
    expect(first).toMatchObject({ rows_seen: 4, rows_reused: 0 });
    expect(await tick(task, '2026-11-29T12:05:00Z')).toEqual({ kind: 'nothing_new' });

    await put('datasets/append/log.jsonl', jsonlOf(reviews(1, 7)));
    const before = stack.chatRequests();
    const second = await finished(await tick(task, '2026-11-29T12:10:00Z'));
    expect(second).toMatchObject({ rows_seen: 7, rows_reused: 4 });
    expect(second.rows_labelled + second.rows_invalid).toBe(3);
    expect(stack.chatRequests() - before).toBe(3); // one sample per new row, nothing for the old ones
    const job = await stack.labelling.runtime.deps.jobs.getJob(second.jobs[0] ?? '');
    expect(job?.linesTotal).toBe(3);
    const [old, fresh] = [await labelledRows(first), await labelledRows(second)];
    expect(fresh.slice(0, 4).map((r) => r['label'])).toEqual(old.map((r) => r['label']));
  });

  it('labels nothing twice when a tick fires twice at once', async () => {
    const task = await saveTask(stack, sentimentTask('double', 'jsonl', { reask: false }));
    await put('datasets/double/a.jsonl', jsonlOf(reviews(1, 5)));
    const before = stack.chatRequests();
    const outcomes = await Promise.all([
      tick(task, '2026-11-29T13:00:01Z'),
      tick(task, '2026-11-29T13:00:02Z'),
    ]);
    const kinds = outcomes.map((o) => o.kind).sort();
    expect(kinds).toEqual(['duplicate', 'started']);
    const started = outcomes.find((o) => o.kind === 'started') as StartRunOutcome;
    // The next tick comes while the run is still going: it waits, it does not scan and submit again.
    expect(await tick(task, '2026-11-29T13:05:00Z')).toMatchObject({ kind: 'busy' });
    const report = await finished(started);
    expect(report.rows_seen).toBe(5);
    expect(stack.chatRequests() - before).toBe(5);
    // The same tick again, after the run finished: still nothing.
    expect((await tick(task, '2026-11-29T13:00:03Z')).kind).toBe('duplicate');
    expect(stack.chatRequests() - before).toBe(5);
  });

  it('takes the majority of k = 3 samples, with its agreement', async () => {
    const task = await saveTask(stack, sentimentTask('majority', 'jsonl', { samples: 3 }));
    await put('datasets/majority/a.jsonl', jsonlOf(reviews(1, 12)));
    const report = await finished(await tick(task, '2026-11-29T14:00:00Z'));
    expect(report.samples_per_row).toBe(3);
    const rows = await labelledRows(report);
    const agreements = new Set<number>();
    for (const row of rows) {
      const parsed = RowLabel.parse(row);
      expect(parsed.answers).toHaveLength(3);
      const votes = parsed.answers.map((a) => a.label ?? a.reask?.label ?? null);
      if (parsed.label === null) continue;
      const count = votes.filter((v) => v === parsed.label).length;
      expect(count).toBe(Math.max(...LABELS.map((l) => votes.filter((v) => v === l).length)));
      expect(parsed.agreement).toBeCloseTo(count / 3, 3);
      agreements.add(parsed.agreement);
    }
    expect(agreements.size).toBeGreaterThan(1); // the samples do disagree sometimes
  });

  it('re-asks an invalid answer once, and reports a row that stays invalid', async () => {
    const task = await saveTask(stack, sentimentTask('reask', 'jsonl'));
    const rows = [
      { id: 'fixable', text: `Review ${LABELLING_MARKERS.malformed}: fine.` },
      { id: 'stubborn', text: `Review ${LABELLING_MARKERS.stubborn}: odd.` },
    ];
    await put('datasets/reask/a.jsonl', jsonlOf(rows));
    const before = stack.chatRequests();
    const report = await finished(await tick(task, '2026-11-29T15:00:00Z'));
    expect(report).toMatchObject({ rows_labelled: 1, rows_invalid: 1, answers_reasked: 2 });
    expect(stack.chatRequests() - before).toBe(4); // two asks, two re-asks, no more
    expect(report.jobs).toHaveLength(2);
    const [fixable, stubborn] = (await labelledRows(report)).map((row) => RowLabel.parse(row));
    expect(fixable?.label).not.toBeNull();
    expect(fixable?.answers[0]?.error).toBeTruthy();
    expect(fixable?.answers[0]?.reask?.label).toBe(fixable?.label);
    expect(stubborn).toMatchObject({ label: null, agreement: 0 });
    expect(stubborn?.label_error).toMatch(/^no valid label: /);
    expect(stubborn?.answers[0]?.reask?.error).toBeTruthy();
  });

  it('stops a run at its spending cap, cleanly, with its report; the next run labels the rest', async () => {
    const task = await saveTask(
      stack,
      sentimentTask('capped', 'jsonl', {
        reask: false,
        params: { max_tokens: 2000 },
        spendingCap: { tokens: 4500 },
      }),
    );
    await put('datasets/capped/a.jsonl', jsonlOf(reviews(1, 5)));
    const before = stack.chatRequests();
    const report = await finished(await tick(task, '2026-11-29T16:00:00Z'));
    expect(report).toMatchObject({ status: 'spending_cap', rows_seen: 5, rows_deferred: 3 });
    expect(report.rows_labelled + report.rows_invalid).toBe(2);
    expect(stack.chatRequests() - before).toBe(2);
    expect(report.spending_cap?.used_tokens).toBeLessThanOrEqual(4500);
    expect(report.spending_cap?.reserved_tokens).toBeLessThanOrEqual(4500);
    const rows = await labelledRows(report);
    expect(rows.slice(2).map((r) => r['label_error'])).toEqual(
      Array(3).fill(expect.stringMatching(/^spending_cap/)),
    );

    const next = await finished(await tick(task, '2026-11-29T16:05:00Z'));
    expect(next).toMatchObject({ rows_reused: 2, rows_deferred: 1 });
  });

  it('keeps a cap in estimated USD too, at the model prices', async () => {
    const task = await saveTask(
      stack,
      sentimentTask('capped-usd', 'jsonl', {
        reask: false,
        params: { max_tokens: 2000 },
        spendingCap: { usd: 0.009 },
      }),
    );
    await put('datasets/capped-usd/a.jsonl', jsonlOf(reviews(1, 5)));
    const before = stack.chatRequests();
    const report = await finished(await tick(task, '2026-11-29T17:00:00Z'));
    // A row's worst case: ~190 prompt bytes at $1/M + 2000 tokens at $2/M ≈ $0.0042: two rows fit.
    expect(report).toMatchObject({ status: 'spending_cap', rows_deferred: 3 });
    expect(stack.chatRequests() - before).toBe(2);
    expect(report.spending_cap?.reserved_usd).toBeLessThanOrEqual(0.009);
    expect(report.cost).not.toBeNull();
    expect(report.cost).toBeLessThanOrEqual(report.spending_cap?.reserved_usd ?? 0);
  });

  it('refuses a USD cap for a model without a price, before anything is asked', async () => {
    const task = await saveTask(
      stack,
      sentimentTask('no-price', 'jsonl', { model: 'unpriced', spendingCap: { usd: 1 } }),
    );
    await put('datasets/no-price/a.jsonl', jsonlOf(reviews(1, 2)));
    await expect(tick(task, '2026-11-29T17:05:00Z')).rejects.toThrow(
      /spendingCap.usd needs a price for model "unpriced"/,
    );
  });

  it('labels with structured labels that a JSON schema validates', async () => {
    const schema = {
      type: 'object',
      properties: { topic: { enum: ['bug', 'billing', 'praise'] }, urgent: { type: 'boolean' } },
      required: ['topic', 'urgent'],
      additionalProperties: false,
    };
    const task = await saveTask(
      stack,
      sentimentTask('structured', 'jsonl', { labels: { schema }, samples: 3 }),
    );
    await put('datasets/structured/a.jsonl', jsonlOf(reviews(1, 6)));
    const report = await finished(await tick(task, '2026-11-29T18:00:00Z'));
    expect(report.rows_labelled).toBe(6);
    for (const row of (await labelledRows(report)).map((r) => RowLabel.parse(r))) {
      expect(row.label).toEqual({ topic: expect.stringMatching(/^(bug|billing|praise)$/), urgent: true });
      expect(row.agreement).toBe(1);
    }
    expect(Object.keys(report.label_distribution)[0]).toMatch(/^\{"topic":/);
  });

  it('runs a task from the embedded scheduler (croner), once per tick, waiting while a run is going', async () => {
    const task = await saveTask(
      stack,
      sentimentTask('croner', 'jsonl', { reask: false, schedule: '* * * * * *' }),
    );
    await put('datasets/croner/a.jsonl', jsonlOf(reviews(1, 4)));
    const before = stack.chatRequests();
    const outcomes: string[] = [];
    let firstRun: Promise<LabellingReport> | null = null;
    const scheduler = scheduleLabellingTasks(stack.labelling.deps, [task], (_, outcome) => {
      outcomes.push(outcome.kind);
      if (outcome.kind === 'started') firstRun ??= finished(outcome);
    });
    try {
      await expect.poll(() => firstRun, { timeout: 10_000 }).not.toBeNull();
      const report = await (firstRun as unknown as Promise<LabellingReport>);
      expect(report.rows_seen).toBe(4);
      await expect
        .poll(() => outcomes.filter((kind) => kind === 'nothing_new').length, { timeout: 10_000 })
        .toBeGreaterThan(0);
    } finally {
      scheduler.stop();
    }
    expect(outcomes.filter((kind) => kind === 'started')).toHaveLength(1);
    expect(outcomes.every((kind) => ['started', 'busy', 'nothing_new'].includes(kind))).toBe(true);
    expect(stack.chatRequests() - before).toBe(4);
  });
});
