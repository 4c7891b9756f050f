import { UsageError } from './usage-error';

/** The `parseArgs` options of `--help` and `--json`, shared by the client commands. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;
export const JSON_OPTION = { json: { type: 'boolean', default: false } } as const;

/** Exactly `count` positionals (the command's arguments), else a usage error naming the usage line. */
export function expectPositionals(
  positionals: readonly string[],
  count: number,
  usage: string,
): readonly (string | undefined)[] {
  if (positionals.length < count) throw new UsageError(`missing arguments: ${usage}`);
  if (positionals.length > count)
    throw new UsageError(`unexpected arguments: ${positionals.slice(count).join(' ')} (${usage})`);
  return positionals;
}

/** `--interval S`: seconds between polls, 0.1–60; milliseconds, or `fallback` when not given. */
export function intervalMs(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 60)
    throw new UsageError(`--interval must be a number of seconds from 0.1 to 60, got "${value}"`);
  return Math.round(seconds * 1000);
}

/** An integer flag within bounds, or undefined when not given. */
export function integerFlag(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}
