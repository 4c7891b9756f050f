import { describe, expect, it } from 'vitest';
import { LABELLING_MARKERS, labellingAnswerText } from './labelling-answer';

const prompt = (row: string) =>
  `Label the review.\n\nReview: ${row}\n\nAllowed labels: "positive", "negative", "neutral".\n\nReason step by step, and put your final label within \\boxed{}.`;
const LABEL =
  /\\boxed\{(positive|negative|neutral)\}|"label": ?"(positive|negative|neutral)"|^\s*(POSITIVE|NEGATIVE|NEUTRAL)\s*$/;

describe('labellingAnswerText', () => {
  it('answers only labelling prompts', () => {
    expect(labellingAnswerText('What is 2 + 2?', 1, 0)).toBeNull();
  });

  it('answers a label from the listed space, the same for the same prompt and request', () => {
    const answers = Array.from({ length: 40 }, (_, i) => labellingAnswerText(prompt(`review ${i}`), 1, i));
    const labelled = answers.filter((a) => a !== null && LABEL.test(a));
    expect(labelled.length).toBeGreaterThan(25); // most are well formed…
    expect(labelled.length).toBeLessThan(40); // …and some are not
    expect(labellingAnswerText(prompt('same'), 1, 3)).toBe(labellingAnswerText(prompt('same'), 1, 3));
    const used = new Set(
      labelled.map((a) => (LABEL.exec(a ?? '') ?? []).slice(1).find(Boolean)?.toLowerCase()),
    );
    expect(used.size).toBe(3);
  });

  it('lets samples of one prompt disagree sometimes (a draw per request)', () => {
    const samples = new Set(
      Array.from({ length: 30 }, (_, i) => labellingAnswerText(prompt('a long review that is fine'), 1, i)),
    );
    expect(samples.size).toBeGreaterThan(1);
  });

  it('is malformed for a [sim:malformed] row until re-asked, and for a [sim:stubborn] row even then', () => {
    const malformed = prompt(`ok ${LABELLING_MARKERS.malformed}`);
    const reask = (first: string) =>
      `${first}\nbad answer\nYour answer could not be used: no label. ${first}`;
    for (let i = 0; i < 5; i += 1) expect(labellingAnswerText(malformed, 1, i)).not.toMatch(LABEL);
    expect(labellingAnswerText(reask(malformed), 1, 0)).toMatch(/^You are right\. The label is \\boxed\{/);
    const stubborn = prompt(`odd ${LABELLING_MARKERS.stubborn}`);
    expect(labellingAnswerText(reask(stubborn), 1, 0)).not.toMatch(/^You are right/);
  });

  it('answers a structured label with an object the schema allows', () => {
    const schema = {
      type: 'object',
      properties: { topic: { enum: ['bug', 'billing'] }, urgent: { type: 'boolean' } },
    };
    const text = `Ticket: slow\n\nAnswer with one JSON object matching this JSON schema: ${JSON.stringify(schema)}`;
    const reask = `${text}\nx\nYour answer could not be used: no. ${text}`;
    const answer = labellingAnswerText(reask, 1, 0) ?? '';
    const object = JSON.parse(/\\boxed\{(.*)\}$/.exec(answer)?.[1] ?? 'null');
    expect(['bug', 'billing']).toContain(object.topic);
    expect(object.urgent).toBe(true);
  });
});
