// What each result is attached to: the machine, the software versions, the git revision, and what
// else was running (a 2-core box shared with builds gives different numbers than an idle one).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './processes';

export interface MachineInfo {
  date: string;
  host: string;
  node: string;
  os: string;
  cpuModel: string;
  cores: number;
  memGiB: number;
  fdLimit: string;
  gitSha: string;
  gitDirty: boolean;
  packages: Record<string, string>;
  loadAvgStart: number[];
  loadAvgEnd?: number[];
  /** The busiest other processes in the second before the run (command name, % of one core). */
  othersBusy: string[];
  pinning: string;
}

function git(args: string[]): string {
  try {
    // --no-optional-locks: read-only, never refreshes the index.
    return execFileSync('git', ['--no-optional-locks', ...args], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(repoRoot, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

function cpuTimes(): Map<number, { comm: string; ticks: number }> {
  const out = new Map<number, { comm: string; ticks: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(d), { comm, ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Other processes' CPU over one second (Linux), busiest first. */
async function busyOthers(): Promise<string[]> {
  if (process.platform !== 'linux') return [];
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, 1_000));
  const b = cpuTimes();
  const rows: [string, number][] = [];
  for (const [pid, v] of b) {
    if (pid === process.pid) continue;
    const pct = v.ticks - (a.get(pid)?.ticks ?? v.ticks);
    if (pct >= 5) rows.push([v.comm, pct]);
  }
  return rows
    .sort((x, y) => y[1] - x[1])
    .slice(0, 8)
    .map(([c, p]) => `${c} ${p}%`);
}

function fdLimit(): string {
  try {
    return /Max open files\s+(\S+)\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.slice(1).join(' / ') ?? '?';
  } catch {
    return '?';
  }
}

export async function machineInfo(pinning: string): Promise<MachineInfo> {
  return {
    date: new Date().toISOString(),
    host: os.hostname(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: os.cpus()[0]?.model ?? '?',
    // os.cpus(), not availableParallelism(): the latter only sees the cores this process is pinned to.
    cores: os.cpus().length,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    fdLimit: fdLimit(),
    gitSha: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    gitDirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    packages: Object.fromEntries(
      ['hono', '@hono/node-server', 'undici', 'autocannon', '@portkey-ai/gateway', 'tsx', 'pino', 'zod'].map((p) => [p, version(p)]),
    ),
    loadAvgStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
    othersBusy: await busyOthers(),
    pinning,
  };
}

/**
 * A fingerprint of src/ (paths, sizes, mtimes). The working tree is shared with other engineers:
 * comparing stamps shows whether processes started at different times ran different code.
 */
export function sourceStamp(dir = join(repoRoot, 'src')): string {
  const hash = createHash('sha1');
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        hash.update(`${p}:${st.size}:${st.mtimeMs}\n`);
      }
    }
  };
  walk(dir);
  return hash.digest('hex').slice(0, 12);
}
