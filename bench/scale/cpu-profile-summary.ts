/**
 * Self time of a V8 CPU profile (`node --cpu-prof`) by where the code lives: each sample's time goes to
 * the function on top of the stack, and that function to its package (the last `node_modules/<name>` of
 * its URL), a workspace package, Node's own modules, or V8 (GC, builtins such as JSON.parse). Packages
 * are grouped into the parts the scale benchmark asks about (emulators, SDK clients, …).
 *
 *   tsx bench/scale/cpu-profile-summary.ts run.cpuprofile
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time (ms) of one bucket and its share of all sampled time. */
export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

/** A profile's self time by group, by package and by function (largest first). */
export interface ProfileSummary {
  /** Sampled time the process was busy (idle left out); shares are of this. */
  readonly totalMs: number;
  readonly idleMs: number;
  readonly groups: readonly SelfTime[];
  readonly packages: readonly SelfTime[];
  readonly functions: readonly SelfTime[];
}

/** Which part of the run a package belongs to. */
const GROUPS: readonly (readonly [RegExp, string])[] = [
  [
    /^(dynalite|level|abstract-level|classic-level|leveldown|levelup|memdown|encoding-down|subleveldown|deferred-leveldown|level-.*|lazy|big\.js|buffer-crc32|once)$/,
    'DynamoDB emulator (dynalite, LevelDB)',
  ],
  [
    /^(fauxqs|fastify|@fastify\/.*|better-sqlite3|fast-xml-parser|light-my-request|avvio|find-my-way|pino.*|fast-json-stringify|ajv.*|secure-json-parse)$/,
    'S3/SQS emulator (fauxqs)',
  ],
  [/^(@aws-sdk\/.*|@smithy\/.*|@aws-crypto\/.*|tslib|strnum|uuid|bowser)$/, 'AWS SDK clients'],
  [/^openai$/, 'openai SDK client'],
  [/^@thinkbatch\/simulator$/, 'simulated endpoint'],
  [/^@thinkbatch\/core$/, 'thinkbatch core (pipeline, schemas)'],
  [
    /^@thinkbatch\/(aws-adapters|local|functions|openai-model-client|cli)$/,
    'thinkbatch adapters, runtime, CLI',
  ],
  [/^zod$/, 'zod (validation)'],
  [
    /^(undici|node:http|node:https|node:net|node:_http_.*|node:internal\/(http|net|stream_base|streams|dns).*|node:stream.*)$/,
    'HTTP, sockets, streams (Node)',
  ],
  [/^node:.*$/, 'other Node internals'],
  [/^\(garbage collector\)$/, 'garbage collection'],
  [/^\(program\)$/, 'V8/native, unattributed'],
  [/^\(idle\)$/, 'idle'],
  [/^\(V8 builtin\)$/, 'V8 builtins (JSON, RegExp, …)'],
];

/** The package (or pseudo-package) a frame's URL belongs to. */
export function packageOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName.startsWith('(')) return functionName;
    return '(V8 builtin)';
  }
  const inModules = url.lastIndexOf('node_modules/');
  if (inModules >= 0) {
    const rest = url.slice(inModules + 'node_modules/'.length).split('/');
    const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
    return name.startsWith('.pnpm') ? url : name;
  }
  const workspace = /\/packages\/([^/]+)\/src\//.exec(url);
  if (workspace !== null) return `@thinkbatch/${workspace[1]}`;
  if (url.startsWith('node:')) {
    const internal = /^node:internal\/([^/]+)/.exec(url);
    return internal === null ? url : `node:internal/${internal[1]}`;
  }
  return url;
}

export function groupOf(pkg: string): string {
  return GROUPS.find(([pattern]) => pattern.test(pkg))?.[1] ?? `other (${pkg})`;
}

function ranked(map: Map<string, number>, totalMs: number, limit: number): SelfTime[] {
  return [...map]
    .map(([name, ms]) => ({ name, ms: Math.round(ms), share: totalMs === 0 ? 0 : ms / totalMs }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, limit);
}

/** Summarize a parsed profile. */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const groups = new Map<string, number>();
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  profile.samples.forEach((id, index) => {
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const node = byId.get(id);
    if (node === undefined || ms <= 0) return;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    const pkg = packageOf(node.callFrame);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${pkg}${node.callFrame.url === '' ? '' : `:${node.callFrame.lineNumber + 1}`}`;
    totalMs += ms;
    groups.set(groupOf(pkg), (groups.get(groupOf(pkg)) ?? 0) + ms);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  });
  return {
    totalMs: Math.round(totalMs),
    idleMs: Math.round(idleMs),
    groups: ranked(groups, totalMs, 20),
    packages: ranked(packages, totalMs, 20),
    functions: ranked(functions, totalMs, 25),
  };
}

/** Read and summarize the profile at `path`. */
export async function summarizeProfileFile(path: string): Promise<ProfileSummary> {
  return summarizeProfile(JSON.parse(await readFile(path, 'utf8')) as CpuProfile);
}

/** A markdown table of self times. */
export function renderSelfTimes(title: string, rows: readonly SelfTime[]): string {
  const lines = [`| ${title} | self ms | share |`, '| --- | ---: | ---: |'];
  for (const row of rows)
    lines.push(`| ${row.name.replaceAll('|', '\\|')} | ${row.ms} | ${(row.share * 100).toFixed(1)} % |`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const path of process.argv.slice(2)) {
    const summary = await summarizeProfileFile(path);
    process.stdout.write(`## ${path}: ${summary.totalMs} ms busy, ${summary.idleMs} ms idle\n\n`);
    process.stdout.write(`${renderSelfTimes('group', summary.groups)}\n\n`);
    process.stdout.write(`${renderSelfTimes('package', summary.packages)}\n\n`);
    process.stdout.write(`${renderSelfTimes('function', summary.functions)}\n\n`);
  }
}
