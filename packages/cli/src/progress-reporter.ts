import type { RateGateSnapshot } from '@thinkbatch/core';
import cliProgress from 'cli-progress';

/** A snapshot of a running job, as the CLI shows it. */
export interface ProgressSnapshot {
  readonly status: string;
  /** Lines recorded so far (any status). */
  readonly done: number;
  /** Non-blank input lines; null until fan-out finished. */
  readonly total: number | null;
  readonly failed: number;
  readonly tokens: number;
  readonly elapsedMs: number;
  /** The endpoint's rate gate (shared by every job on it), when it could be read. @default none shown */
  readonly gate?: RateGateSnapshot | null;
}

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  stop(): void;
}

/** Lines per second so far, and the time left at that rate (null when unknown). */
export function rateAndEta(snapshot: ProgressSnapshot): { rate: number; etaMs: number | null } {
  const rate = snapshot.elapsedMs > 0 ? (snapshot.done * 1000) / snapshot.elapsedMs : 0;
  if (snapshot.total === null || rate === 0) return { rate, etaMs: null };
  return { rate, etaMs: ((snapshot.total - snapshot.done) / rate) * 1000 };
}

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '?';
  const seconds = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(seconds / 60);
  return m > 0 ? `${m}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

/**
 * The rate gate in a few words: the requests per minute it allows now, calls in flight (of the slots it
 * allows), 429s so far, the time lines waited for capacity, and a pause after a 429 while it lasts.
 * Example: `gate 39.2 req/min, 12/101 in flight, 2 × 429, waited 1m21s, paused 4s`.
 */
export function formatRateGate(gate: RateGateSnapshot): string {
  const rpm = gate.allowance.requestsPerMinute;
  const parts = [
    `gate ${rpm >= 100 ? Math.round(rpm) : rpm.toFixed(1)} req/min`,
    `${gate.inFlight.inUse}/${gate.allowance.inFlight} in flight`,
    `${gate.counts.rateLimited} × 429`,
    `waited ${formatDuration(gate.waitedMs)}`,
  ];
  if (gate.pausedUntil !== null && gate.pausedUntil > gate.at) {
    parts.push(`paused ${formatDuration(gate.pausedUntil - gate.at)}`);
  }
  return parts.join(', ');
}

/** One plain line per snapshot, for logs and CI (no terminal control codes). */
export function formatProgressLine(snapshot: ProgressSnapshot): string {
  const { rate, etaMs } = rateAndEta(snapshot);
  const total = snapshot.total === null ? '?' : String(snapshot.total);
  const percent = snapshot.total ? ` (${Math.floor((snapshot.done / snapshot.total) * 100)}%)` : '';
  const gate = snapshot.gate == null ? '' : ` | ${formatRateGate(snapshot.gate)}`;
  return `progress: ${snapshot.status} ${snapshot.done}/${total} lines${percent}, ${snapshot.failed} failed, ${rate.toFixed(1)} lines/s, ${snapshot.tokens.toLocaleString('en-US')} tokens, ETA ${formatDuration(etaMs)}${gate}`;
}

/** A progress bar on a terminal, periodic plain lines otherwise. */
export function createProgressReporter(
  stream: NodeJS.WriteStream,
  options: { plainEveryMs?: number } = {},
): ProgressReporter {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format:
          '{bar} {value}/{total} lines | {failed} failed | {rate} lines/s | {tokens} tokens | ETA {eta}{gate}',
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (snapshot) => {
        const { rate, etaMs } = rateAndEta(snapshot);
        const payload = {
          failed: snapshot.failed,
          rate: rate.toFixed(1),
          tokens: snapshot.tokens.toLocaleString('en-US'),
          eta: formatDuration(etaMs),
          gate: snapshot.gate == null ? '' : ` | ${formatRateGate(snapshot.gate)}`,
        };
        if (!started) {
          bar.start(snapshot.total ?? 0, snapshot.done, payload);
          started = true;
        }
        if (snapshot.total !== null) bar.setTotal(snapshot.total);
        bar.update(snapshot.done, payload);
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  const every = options.plainEveryMs ?? 5_000;
  let last = Number.NEGATIVE_INFINITY;
  let lastLine = '';
  return {
    update: (snapshot) => {
      const line = formatProgressLine(snapshot);
      if (snapshot.elapsedMs - last < every || line === lastLine) return;
      last = snapshot.elapsedMs;
      lastLine = line;
      stream.write(`${line}\n`);
    },
    stop: () => {},
  };
}
