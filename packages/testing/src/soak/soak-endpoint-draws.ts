import type { Fault, RetryAfterFormat } from '@thinkbatch/simulator';
import type { SoakDice } from './soak-dice';
import type { SoakFaultWindow, SoakJobPlan, SoakLineFault } from './soak-scenario-types';

/** A 429 with one of the Retry-After variants a provider sends (or none), and its label. */
export function draw429(dice: SoakDice): { readonly label: string; readonly fault: Fault } {
  const ms = dice.int(200, 1_500);
  const variant = dice.pick([
    'seconds',
    'milliseconds',
    'both',
    'date',
    'none',
    'negative',
    'garbage',
  ] as const);
  if (variant === 'negative')
    return { label: 'http429 retry-after -5', fault: { kind: 'status', status: 429, retryAfterRaw: '-5' } };
  if (variant === 'garbage')
    return {
      label: 'http429 retry-after garbage',
      fault: { kind: 'status', status: 429, retryAfterRaw: 'soon' },
    };
  if (variant === 'none') return { label: 'http429 no retry-after', fault: { kind: 'status', status: 429 } };
  const format: RetryAfterFormat = variant;
  return {
    label: `http429 retry-after ${variant}`,
    fault: { kind: 'status', status: 429, retryAfterMs: ms, retryAfterFormat: format },
  };
}

/** Windows of 429s (a provider's bad minute) and of 5xx bursts, over the request index of all jobs. */
export function drawWindows(dice: SoakDice, expectedRequests: number): SoakFaultWindow[] {
  const windows: SoakFaultWindow[] = [];
  const at = (length: number) => {
    const fromRequest = dice.int(0, Math.max(0, expectedRequests - length));
    return { fromRequest, toRequest: fromRequest + length };
  };
  for (let i = dice.int(1, 2); i > 0; i -= 1) {
    const { label, fault } = draw429(dice);
    windows.push({ ...at(dice.int(5, 20)), label: `window ${label}`, fault });
  }
  for (let i = dice.int(1, 2); i > 0; i -= 1) {
    const status = dice.pick([500, 502, 503] as const);
    windows.push({ ...at(dice.int(4, 15)), label: `burst http${status}`, fault: { kind: 'status', status } });
  }
  return windows.sort((a, b) => a.fromRequest - b.fromRequest);
}

/** One scripted line fault: transient ones for a few calls, poison lines for every call. */
function drawLineFault(dice: SoakDice, job: SoakJobPlan, line: number): SoakLineFault {
  const base = { job: job.index, line };
  const transient = (label: string, fault: Fault, most = 2): SoakLineFault => ({
    ...base,
    label,
    fault,
    times: dice.int(1, Math.min(most, job.maxAttempts - 1)),
  });
  switch (dice.int(0, 10)) {
    case 0:
      return { ...base, ...draw429(dice), times: dice.int(1, 3) };
    case 1:
      return transient('http503', { kind: 'status', status: 503 });
    case 2: {
      const midBody = dice.chance(0.5);
      return transient(midBody ? 'reset mid-body' : 'reset', { kind: 'connectionReset', midBody });
    }
    case 3:
      return transient('truncated body', { kind: 'truncatedBody' }, 1);
    case 4:
      return transient('non-JSON 200', { kind: 'nonJsonBody' }, 1);
    case 5:
      return transient('missing usage', { kind: 'missingUsage' }, 1);
    case 6:
      return transient('slow headers', { kind: 'slowHeaders', delayMs: dice.int(300, 1_500) }, 1);
    case 7:
      return transient('endless stream', { kind: 'endlessStream', intervalMs: 50 }, 1);
    case 8:
      return transient('giant body', { kind: 'giantBody', bytes: dice.int(64, 512) * 1024 }, 1);
    case 9:
      return { ...base, label: 'poison 400', fault: { kind: 'status', status: 400 }, times: null };
    default:
      return {
        ...base,
        label: 'poison context too long',
        fault: {
          kind: 'status',
          status: 400,
          message: "This model's maximum context length is 131072 tokens. Please reduce the length.",
        },
        times: null,
      };
  }
}

/** Scripted faults on about `share` of each job's lines. */
export function drawLineFaults(dice: SoakDice, jobs: readonly SoakJobPlan[], share: number): SoakLineFault[] {
  return jobs.flatMap((job) =>
    dice.sample(job.lines, Math.round(job.lines * share)).map((line) => drawLineFault(dice, job, line)),
  );
}
