// One llama-cpp-python server process backing one emulated LM Studio model instance:
// spawn it, wait until it answers, stop it with SIGTERM then SIGKILL after a grace period.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LlamaServerOptions {
  python: string;
  modelPath: string;
  /** Name the process answers to; the fixture uses the LM Studio key so responses carry it. */
  alias: string;
  port: number;
  contextLength: number;
  evalBatchSize: number;
  flashAttention: boolean;
  /** Combined stdout/stderr goes here when given; otherwise it is discarded. */
  logFile?: string;
  readyTimeoutMs?: number;
}

export interface LlamaServerProcess {
  url: string;
  port: number;
  pid: number;
  /** Resolves once the process has exited, whoever ended it. */
  exited: Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

// Safety net: if the test process exits without close(), do not leave model servers orphaned.
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

function llamaServerArgs(options: LlamaServerOptions): string[] {
  const flag = (value: boolean) => (value ? 'true' : 'false');
  return [
    '-m',
    'llama_cpp.server',
    '--model',
    options.modelPath,
    '--model_alias',
    options.alias,
    '--host',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--n_ctx',
    String(options.contextLength),
    '--n_batch',
    String(options.evalBatchSize),
    '--flash_attn',
    flag(options.flashAttention),
    '--embedding',
    'true',
    // The server's default cancels a running completion when another request arrives;
    // LM Studio queues requests instead, so concurrent callers must each get an answer.
    '--interrupt_requests',
    'false',
    // sse-starlette's keep-alive comments are not something LM Studio sends.
    '--disable_ping_events',
    'true',
  ];
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function waitUntilReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void waitForExit(child).then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`llama-cpp-python exited with code ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${url}/v1/models`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet; uvicorn binds only after the model has been read.
    }
    await sleep(150);
  }
  throw new Error(`llama-cpp-python did not answer GET /v1/models within ${timeoutMs} ms`);
}

export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaServerProcess> {
  const { port } = options;
  const child = spawn(options.python, llamaServerArgs(options), {
    stdio: ['ignore', options.logFile ? 'pipe' : 'ignore', options.logFile ? 'pipe' : 'ignore'],
  });
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
  }
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  await spawned;
  liveChildren.add(child);
  const exited = waitForExit(child).then(() => {
    liveChildren.delete(child);
  });
  const url = `http://127.0.0.1:${port}`;

  const stop = async (graceMs = 5_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!killed) child.kill('SIGKILL');
    await exited;
  };

  try {
    await waitUntilReady(url, child, options.readyTimeoutMs ?? 120_000);
  } catch (error) {
    await stop(1_000);
    throw error;
  }
  return { url, port, pid: child.pid ?? -1, exited, stop };
}
