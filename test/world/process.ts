// Starts a test-world server on a free loopback port, logs to a file, waits for health, stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from './manifest';
import { elapsed, say } from './run';

export { freeLoopbackPort as freePort } from '../../src/upstreams';

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolves true once the server answers. */
  healthy: () => Promise<boolean>;
  timeoutMs?: number;
}

const running = new Set<ServerProcess>();

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  mkdirSync(paths.logs, { recursive: true });
  const logFile = join(paths.logs, `server-${options.name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  log.write(`\n$ ${options.cmd} ${options.args.join(' ')}\n`);
  const child = spawn(options.cmd, options.args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  child.on('error', (err) => {
    exited = `failed to spawn: ${err.message}`;
  });
  const proc: ServerProcess = {
    name: options.name,
    child,
    logFile,
    stop: () =>
      stopChild(child).finally(() => {
        running.delete(proc);
        log.end();
      }),
  };
  running.add(proc);
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exited) break;
    if (await options.healthy().catch(() => false)) {
      say(`${options.name} healthy after ${elapsed(started)} (log: ${logFile})`);
      return proc;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await proc.stop();
  throw new Error(`${options.name} did not become healthy (${exited ?? 'timed out'}); see ${logFile}`);
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

// A crashed test run must not leave servers behind.
process.once('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
});

export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.ok;
}
