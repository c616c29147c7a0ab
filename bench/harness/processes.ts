// Starts every benchmark child (mock, gateways) in its own process, optionally pinned to a core with
// taskset, with output to a log file rather than a pipe (so the parent spends no CPU relaying it),
// and guarantees teardown: SIGTERM, then SIGKILL after a grace period, on success, failure or signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const guard = fileURLToPath(new URL('./child-guard.mjs', import.meta.url));

export interface SpawnOptions {
  name: string;
  /** Arguments after `node` (script and its flags). */
  args: string[];
  /** Node flags placed before the script (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Load TypeScript through tsx (`node --import tsx`), in-process so the pid is the server's. */
  tsx?: boolean;
  /** CPU list for taskset (e.g. "1"); undefined leaves the inherited affinity. */
  cpus?: string;
  env?: Record<string, string>;
  logDir: string;
}

export interface Child {
  name: string;
  pid: number;
  logFile: string;
  process: ChildProcess;
  exited: Promise<number | null>;
}

const children = new Set<Child>();
let hasTaskset: boolean | undefined;

function tasksetAvailable(): boolean {
  hasTaskset ??= ['/usr/bin/taskset', '/bin/taskset'].some((p) => existsSync(p));
  return hasTaskset;
}

export function startChild(o: SpawnOptions): Child {
  const logFile = join(o.logDir, `${o.name}.log`);
  const fd = openSync(logFile, 'a');
  const nodeArgs = ['--import', guard, ...(o.tsx ? ['--import', 'tsx'] : []), ...(o.nodeFlags ?? []), ...o.args];
  const pinned = o.cpus !== undefined && tasksetAvailable();
  // taskset execs node, so the pid we get is the server's own.
  const [cmd, argv] = pinned ? ['taskset', ['-c', o.cpus!, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  // No MONGODB_URI: Aegis' RAG recorder must write to the run's spool, never to a database.
  const { MONGODB_URI: _mongo, ...env } = process.env;
  const proc = spawn(cmd, argv, { cwd: repoRoot, stdio: ['ignore', fd, fd], env: { ...env, NODE_ENV: 'production', ...o.env } });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null)));
    proc.once('error', () => resolve(-1));
  });
  const child: Child = { name: o.name, pid: proc.pid ?? -1, logFile, process: proc, exited };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

export function logTail(child: Child, lines = 20): string {
  try {
    return readFileSync(child.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A free loopback port (the OS picks it; closed again before the child binds it). */
export { freeLoopbackPort as freePort } from '../../src/upstreams';

/** Waits until `url` answers any HTTP status, failing early if the child exits. */
export async function waitReady(child: Child, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited during startup:\n${logTail(child)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${child.name} not ready at ${url} after ${timeoutMs} ms:\n${logTail(child)}`);
}

/** SIGTERM (lets Aegis drain and write its --cpu-prof), then SIGKILL after `graceMs`. */
export async function stopChild(child: Child, graceMs = 5_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

export async function stopAll(graceMs = 5_000): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, graceMs)));
}

/** Children still running (should be none after stopAll). */
export function running(): Child[] {
  return [...children].filter((c) => c.process.exitCode === null && c.process.signalCode === null);
}

let installed = false;

/** Kills every child when the parent exits or is interrupted; call once at startup. */
export function installTeardown(): void {
  if (installed) return;
  installed = true;
  process.once('exit', () => {
    for (const c of children) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping ${children.size} child process(es)\n`);
      void stopAll(2_000).finally(() => process.exit(130));
    });
  }
}
