import { deriveSeed, mulberry32 } from '../seeded-random';

/** Where a labelling prompt lists its enum labels (`@thinkbatch/labelling` writes this line). */
const ENUM_LINE = /^Allowed labels: (.+)\.$/m;
/** Where it gives the JSON schema of a structured label. */
const SCHEMA_LINE = /^Answer with one JSON object matching this JSON schema: (.+)$/m;
/** The corrective turn of a re-ask. */
const REASK = 'Your answer could not be used:';

/** How often an answer is malformed (first asks only), and how often a sample disagrees. */
const MALFORMED_SHARE = 0.1;
const DISAGREE_SHARE = 0.2;

/** Test markers a dataset row may hold: always malformed on the first ask, or on the re-ask too. */
export const LABELLING_MARKERS = { malformed: '[sim:malformed]', stubborn: '[sim:stubborn]' } as const;

/**
 * The simulated model's answer to a labelling prompt, or null for any other prompt. The label is chosen
 * from the space the prompt lists, deterministically from the row's part of the prompt; a sample
 * disagrees now and then (a seeded draw per request, as temperature 0.6 would); the answer comes in one
 * of R1's shapes (`\boxed{}`, a JSON object fenced or not, a bare label); about one in ten rows answers
 * malformed on the first ask (and always for a row holding `[sim:malformed]`); a re-ask is answered
 * well unless the row holds `[sim:stubborn]`.
 */
export function labellingAnswerText(promptText: string, seed: number, requestIndex: number): string | null {
  return labellingAnswer(promptText, seed, requestIndex)?.text ?? null;
}

/** The answer text and the label it means (what the chain of thought arrives at), or null. */
export function labellingAnswer(
  promptText: string,
  seed: number,
  requestIndex: number,
): { readonly text: string; readonly label: string } | null {
  const enumLine = ENUM_LINE.exec(promptText);
  const schemaLine = enumLine === null ? SCHEMA_LINE.exec(promptText) : null;
  if (enumLine === null && schemaLine === null) return null;
  const rowPart = promptText.slice(0, (enumLine ?? schemaLine)?.index ?? 0);
  const reask = promptText.includes(REASK);
  const row = mulberry32(deriveSeed(seed, 'labelling-row', rowPart));
  const draw = mulberry32(deriveSeed(seed, 'labelling-request', rowPart, String(requestIndex)));
  const baseDraw = row();
  const malformedDraw = row();
  const shapeDraw = row();
  const stubborn = rowPart.includes(LABELLING_MARKERS.stubborn);
  const malformed =
    stubborn ||
    (!reask && (rowPart.includes(LABELLING_MARKERS.malformed) || malformedDraw < MALFORMED_SHARE));

  if (enumLine?.[1] !== undefined) {
    const labels = parseLabelList(enumLine[1]);
    if (labels.length === 0) return null;
    let index = Math.floor(baseDraw * labels.length);
    if (!reask && draw() < DISAGREE_SHARE)
      index = (index + 1 + Math.floor(draw() * (labels.length - 1))) % labels.length;
    const label = labels[index] ?? labels[0] ?? '';
    if (malformed) return { text: malformedAnswer(label, draw), label };
    if (reask) return { text: `You are right. The label is \\boxed{${label}}.`, label };
    return {
      text: shapedAnswer(label, JSON.stringify({ label }), promptText.includes('\\boxed'), shapeDraw),
      label,
    };
  }
  const schema = parseSchema(schemaLine?.[1] ?? '');
  const value = JSON.stringify(objectFor(schema, baseDraw));
  if (malformed)
    return { text: `Here it is: ${value.slice(0, Math.max(1, value.length - 3))}`, label: value };
  if (reask) return { text: `\\boxed{${value}}`, label: value };
  return { text: shapedAnswer(value, value, promptText.includes('\\boxed'), shapeDraw), label: value };
}

function parseLabelList(text: string): string[] {
  try {
    const list: unknown = JSON.parse(`[${text}]`);
    return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/** R1's ways of giving an answer: mostly boxed when asked to, else JSON fenced, JSON bare, or the label alone. */
function shapedAnswer(bare: string, json: string, boxedAsked: boolean, draw: number): string {
  if (boxedAsked && draw < 0.7) return `**Final Answer**\n\nThe label is \\boxed{${bare}}.`;
  if (draw < 0.8) return `\`\`\`json\n${json}\n\`\`\``;
  if (draw < 0.9) return `Answer: ${json}`;
  return bare.startsWith('{') ? json : `  ${bare.toUpperCase()}  `;
}

/** Answers a parser must refuse: a label not in the space, a hedge, broken JSON. */
function malformedAnswer(label: string, draw: () => number): string {
  const shapes = [
    `\\boxed{${label}-ish}`,
    `It could be ${label}, or maybe not; hard to say.`,
    `{"label": "${label}`,
  ];
  return shapes[Math.floor(draw() * shapes.length)] ?? shapes[0] ?? '';
}

function parseSchema(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** An object an object schema accepts: each property's first type, an enum value chosen by `draw`. */
function objectFor(schema: Record<string, unknown>, draw: number): Record<string, unknown> {
  const properties = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  const result: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) {
    const options = property['enum'];
    if (Array.isArray(options) && options.length > 0)
      result[name] = options[Math.floor(draw * options.length)];
    else if (property['type'] === 'number' || property['type'] === 'integer') result[name] = 1;
    else if (property['type'] === 'boolean') result[name] = true;
    else result[name] = 'simulated';
  }
  return result;
}
