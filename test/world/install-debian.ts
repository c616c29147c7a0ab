// Test-world components that come from Debian's packages: Prometheus (its static binary extracted
// into the cache, so no service is installed or started) and Chromium (installed with apt: it needs
// its shared libraries), each stamped like the other components.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir, paths, pins } from './manifest';
import { run } from './run';

const stampOf = (artifact: string) => join(dirname(artifact), '.installed');
const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

function stamp(artifact: string, started: number, detail: Record<string, unknown>): void {
  mkdirSync(dirname(artifact), { recursive: true });
  writeFileSync(stampOf(artifact), JSON.stringify({ ...detail, seconds: (Date.now() - started) / 1000, at: new Date().toISOString() }));
}

/** Runs an apt-get command, refreshing the package lists once if it fails (a stale or empty list). */
async function apt(args: string[], options: { cwd?: string; log: string; label: string }): Promise<void> {
  try {
    await run('apt-get', args, { ...options, env: aptEnv });
  } catch {
    await run('apt-get', ['update', '-qq'], { log: options.log, label: 'apt-get update', env: aptEnv });
    await run('apt-get', args, { ...options, env: aptEnv });
  }
}

export async function ensurePrometheus(): Promise<void> {
  if (existsSync(paths.prometheus) && existsSync(stampOf(paths.prometheus))) return;
  const started = Date.now();
  const { debian, version } = pins.prometheus;
  const work = join(cacheDir, 'tmp', 'prometheus');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  await apt(['download', `${debian}=${version}`], { cwd: work, log: 'install-prometheus.log', label: `downloading ${debian} ${version} (Debian)` });
  const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download left no .deb in ${work}`);
  await run('dpkg-deb', ['-x', join(work, deb), join(work, 'x')], { log: 'install-prometheus.log', label: `unpacking ${deb}` });
  mkdirSync(dirname(paths.prometheus), { recursive: true });
  cpSync(join(work, 'x', 'usr', 'bin', 'prometheus'), paths.prometheus);
  const reported = await run(paths.prometheus, ['--version'], { log: 'install-prometheus.log', label: 'checking the prometheus binary' });
  stamp(paths.prometheus, started, { debian, version, reported: reported.split('\n')[0] });
  rmSync(work, { recursive: true, force: true });
}

export async function ensureChromium(): Promise<void> {
  const { debian, bin } = pins.chromium;
  if (existsSync(bin) && existsSync(stampOf(paths.chromiumStamp))) return;
  const started = Date.now();
  if (!existsSync(bin)) {
    if (process.getuid?.() !== 0) throw new Error(`${bin} is missing and only root can install it: run \`apt-get install --no-install-recommends ${debian}\``);
    await apt(['install', '-y', '-q', '--no-install-recommends', debian], { log: 'install-chromium.log', label: `installing ${debian} (Debian, apt)` });
  }
  const version = await run(bin, ['--version'], { log: 'install-chromium.log', label: 'checking chromium' });
  stamp(paths.chromiumStamp, started, { debian, version: version.trim().split('\n').at(-1) });
}
