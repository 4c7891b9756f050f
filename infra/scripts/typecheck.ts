/**
 * `pnpm typecheck:infra`: type-checks `sst.config.ts` and `infra/` against SST's real component types,
 * offline apart from the npm registry, without AWS credentials, bun or a deploy.
 *
 * 1. When `.sst/platform` is missing or was made by another SST version, `sst install` writes it
 *    (~40 s: SST's platform sources and the Pulumi providers, through npm).
 * 2. `tsc -p tsconfig.infra.json` checks our files with the house flags. SST ships its platform as `.ts`
 *    sources, which `skipLibCheck` does not skip and which do not compile under
 *    `exactOptionalPropertyTypes`, `verbatimModuleSyntax` and friends; their diagnostics are not ours and
 *    are dropped (and counted). Any diagnostic outside `.sst/` fails the check.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

function installedSstVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(join(root, 'node_modules', 'sst', 'package.json'), 'utf8'));
  if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') {
    return pkg.version;
  }
  throw new Error('node_modules/sst/package.json has no version');
}

function platformVersion(): string | null {
  const file = join(root, '.sst', 'platform', 'version');
  return existsSync(join(root, '.sst', 'platform', 'config.d.ts')) && existsSync(file)
    ? readFileSync(file, 'utf8').trim()
    : null;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

/** Split tsc's `--pretty false` output into diagnostics: a `file(line,col): error` line and its indented continuation. */
export function splitDiagnostics(output: string): string[] {
  const diagnostics: string[] = [];
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const last = diagnostics.length - 1;
    if (/^\s/.test(line) && last >= 0) diagnostics[last] += `\n${line}`;
    else diagnostics.push(line);
  }
  return diagnostics;
}

/** SST's own platform sources, which we do not own and which are not written for our compiler flags. */
export function isPlatformDiagnostic(diagnostic: string): boolean {
  return /^\.sst[\\/]platform[\\/]/.test(diagnostic);
}

function main(): number {
  const wanted = installedSstVersion();
  const found = platformVersion();
  if (found !== wanted) {
    console.log(`typecheck:infra: sst install (.sst/platform ${found ?? 'missing'}, sst ${wanted})`);
    const started = Date.now();
    const install = run(bin('sst'), ['install', '--stage', 'ci'], {
      ...process.env,
      SST_SKIP_DEPENDENCY_CHECK: '1',
      SST_NO_BUN: '1',
      SST_TELEMETRY_DISABLED: '1',
    });
    if (install.status !== 0 || platformVersion() !== wanted) {
      console.error(install.output);
      console.error('typecheck:infra: sst install failed (it needs the npm registry)');
      return 1;
    }
    console.log(`typecheck:infra: sst install done in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  const tsc = run(bin('tsc'), ['-p', 'tsconfig.infra.json', '--noEmit', '--pretty', 'false']);
  const diagnostics = splitDiagnostics(tsc.output);
  const ours = diagnostics.filter((d) => !isPlatformDiagnostic(d));
  const dropped = diagnostics.length - ours.length;
  if (ours.length > 0 || (tsc.status !== 0 && diagnostics.length === 0)) {
    console.error(ours.length > 0 ? ours.join('\n') : tsc.output);
    console.error(`typecheck:infra: ${ours.length} error(s) in sst.config.ts / infra`);
    return 1;
  }
  console.log(`typecheck:infra: ok (${dropped} diagnostic(s) inside SST's platform sources ignored)`);
  return 0;
}

if (import.meta.main) process.exitCode = main();
