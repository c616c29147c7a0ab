// One runtime process that Aegis starts itself for one model: port allocation, health wait,
// restart with back-off when it dies, and a Windows-safe stop (graceful first, then forced).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { GatewayError, type Logger } from '../core';
import type { ManagedConfig } from '../config';
import type { LoadProgress } from './types';

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Splits a command string on whitespace, honouring double quotes (Windows paths with spaces). */
export function splitCommand(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

export function expandCommand(template: string | string[], vars: Record<string, string>): string[] {
  const argv = typeof template === 'string' ? splitCommand(template) : template;
  return argv.map((a) => a.replace(/\$\{(PORT|MODEL_PATH|MODEL|CONTEXT)\}/g, (_, k: string) => vars[k] ?? ''));
}

export interface RunnerProcessOptions {
  upstream: string;
  model: string;
  modelPath: string;
  contextLength?: number;
  managed: ManagedConfig;
  logger: Logger;
}

type State = 'idle' | 'starting' | 'ready' | 'stopping' | 'failed';

export class RunnerProcess {
  state: State = 'idle';
  port = 0;
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private restarts = 0;
  /** Restarts after unexpected exits over the process' whole life (for metrics; never reset). */
  restartsTotal = 0;
  private readonly tail: string[] = [];

  constructor(private readonly options: RunnerProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process once; concurrent callers share the same start. */
  start(onProgress?: (p: LoadProgress) => void): Promise<void> {
    if (this.state === 'ready' || this.state === 'starting') return this.ready!;
    this.state = 'starting';
    this.ready = this.spawnAndWait(onProgress).catch((err: unknown) => {
      this.state = 'failed';
      throw err;
    });
    this.ready.catch(() => {});
    return this.ready;
  }

  private async spawnAndWait(onProgress?: (p: LoadProgress) => void): Promise<void> {
    const { managed, logger } = this.options;
    this.port = await freeLoopbackPort();
    const argv = expandCommand(managed.command, {
      PORT: String(this.port),
      MODEL_PATH: this.options.modelPath,
      MODEL: this.options.model,
      CONTEXT: String(this.options.contextLength ?? 2048),
    });
    logger.info({ upstream: this.options.upstream, model: this.options.model, cmd: argv[0], port: this.port }, 'starting managed runtime');
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: managed.cwd,
      env: { ...process.env, ...managed.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.child = child;
    const keep = (d: Buffer) => {
      this.tail.push(...d.toString().split('\n').filter(Boolean));
      this.tail.splice(0, Math.max(0, this.tail.length - 40));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exitReason: string | undefined;
    child.once('error', (err) => (exitReason = `failed to spawn ${argv[0]}: ${err.message}`));
    child.once('exit', (code, signal) => {
      exitReason ??= `exited with ${code ?? signal}`;
      this.onExit(child, exitReason);
    });
    const started = Date.now();
    while (Date.now() - started < managed.startupTimeoutMs) {
      if (exitReason) break;
      if (await this.healthy()) {
        this.state = 'ready';
        logger.info({ upstream: this.options.upstream, model: this.options.model, ms: Date.now() - started, pid: child.pid }, 'managed runtime ready');
        return;
      }
      const fraction = Math.min(0.95, (Date.now() - started) / Math.max(1, managed.startupTimeoutMs / 10));
      onProgress?.({ fraction, message: `starting ${this.options.model}` });
      await new Promise((r) => setTimeout(r, 100));
    }
    // The cause is read before the kill: the exit the kill itself causes is not why the load failed.
    const cause = exitReason ?? `timed out after ${managed.startupTimeoutMs} ms (startupTimeoutMs)`;
    await this.kill();
    throw new GatewayError(
      'model_load_failed',
      `Managed runtime for "${this.options.model}" did not become healthy: ${cause}. Last output: ${this.tail.slice(-5).join(' | ')}`,
      { retryAfter: 5 },
    );
  }

  private async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.port}${this.options.managed.healthPath}`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  /** An unexpected exit of a ready process restarts it with exponential back-off. */
  private onExit(child: ChildProcess, reason: string): void {
    if (child !== this.child || this.state !== 'ready') return;
    const { restart } = this.options.managed;
    const { logger } = this.options;
    if (this.restarts >= restart.maxRestarts) {
      this.state = 'failed';
      logger.error({ model: this.options.model, reason, restarts: this.restarts }, 'managed runtime died; restart limit reached');
      return;
    }
    const delay = Math.min(restart.maxBackoffMs, restart.backoffMs * 2 ** this.restarts);
    this.restarts++;
    this.restartsTotal++;
    logger.warn({ model: this.options.model, reason, delayMs: delay, attempt: this.restarts }, 'managed runtime died; restarting');
    this.state = 'starting';
    this.ready = new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() => this.spawnAndWait());
    this.ready.then(
      () => (this.restarts = 0),
      () => (this.state = 'failed'),
    );
  }

  async stop(): Promise<void> {
    this.state = 'stopping';
    await this.kill();
    this.state = 'idle';
  }

  private kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => terminate(child, true), this.options.managed.stopGraceMs);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      terminate(child, false);
    });
  }

  /** Resident memory of the runtime process, where the platform exposes it cheaply. */
  async rssBytes(): Promise<number | undefined> {
    if (!this.child?.pid || process.platform !== 'linux') return undefined;
    try {
      const status = await readFile(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      return kb ? Number(kb) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Windows has no SIGTERM: taskkill asks the process tree to close, /F forces it. */
function terminate(child: ChildProcess, force: boolean): void {
  if (process.platform === 'win32' && child.pid) {
    spawn('taskkill', ['/pid', String(child.pid), '/t', ...(force ? ['/f'] : [])], { stdio: 'ignore', windowsHide: true }).on('error', () => child.kill());
    return;
  }
  child.kill(force ? 'SIGKILL' : 'SIGTERM');
}
