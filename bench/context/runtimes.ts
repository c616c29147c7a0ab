// The bench's own runtimes, started fresh so that their logs say what each request reused of the
// KV cache: llama-cpp-python (verbose: "N prefix-match hit, remaining M prompt tokens to eval") and
// Ollama (OLLAMA_DEBUG: "loading cache slot ... used=N remaining=M"), one slot each. Each log is
// named by the runtime's port: two benches at once must not read each other's lines.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { paths } from '../../test/world/manifest';
import { freePort, httpOk, startServer, type ServerProcess } from '../../test/world/process';

export interface Runtime {
  kind: 'llamacpp' | 'ollama';
  url: string;
  server: ServerProcess;
  /** What the runtime logged about prompt reuse since the last call. */
  reuse(): CacheUse[];
}

/** One request's prompt as the runtime evaluated it: tokens taken from the KV cache, tokens evaluated. */
export interface CacheUse {
  reused: number;
  evaluated: number;
}

/** Reads a log file from where the last read stopped. */
function follower(file: string): () => string {
  let offset = 0;
  return () => {
    const size = statSync(file).size;
    if (size <= offset) return '';
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    closeSync(fd);
    offset = size;
    return buf.toString('utf8');
  };
}

export async function startLlamaCpp(ctx: number, cpus?: string): Promise<Runtime> {
  const port = await freePort();
  const args = ['-m', 'llama_cpp.server', '--model', paths.model('smollm2-135m'), '--model_alias', 'smollm2-135m'];
  args.push('--host', '127.0.0.1', '--port', String(port), '--n_ctx', String(ctx), '--verbose', 'true');
  const [cmd, argv] = cpus ? ['taskset', ['-c', cpus, paths.python, ...args]] : [paths.python, args];
  const url = `http://127.0.0.1:${port}`;
  const server = await startServer({ name: `bench-llamacpp-${port}`, cmd, args: argv, healthy: () => httpOk(`${url}/v1/models`), timeoutMs: 120_000 });
  const read = follower(server.logFile);
  read();
  return {
    kind: 'llamacpp',
    url,
    server,
    reuse() {
      const out: CacheUse[] = [];
      // A prompt with no prefix match logs nothing but its prompt eval line.
      for (const line of read().split('\n')) {
        const hit = /(\d+) prefix-match hit, remaining (\d+) prompt tokens/.exec(line);
        if (hit) out.push({ reused: Number(hit[1]), evaluated: Number(hit[2]) });
        const evald = /prompt eval time =\s+[\d.]+ ms \/\s+(\d+) tokens/.exec(line);
        if (evald && (out.length === 0 || out.at(-1)!.evaluated !== Number(evald[1]))) out.push({ reused: 0, evaluated: Number(evald[1]) });
      }
      return out;
    },
  };
}

export async function startOllama(cpus?: string): Promise<Runtime> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    OLLAMA_HOST: `127.0.0.1:${port}`,
    OLLAMA_MODELS: paths.ollamaModels,
    OLLAMA_NOPRUNE: '1',
    OLLAMA_DEBUG: '1',
    OLLAMA_NUM_PARALLEL: '1',
    OLLAMA_MAX_LOADED_MODELS: '1',
  };
  const [cmd, argv] = cpus ? ['taskset', ['-c', cpus, paths.ollama, 'serve']] : [paths.ollama, ['serve']];
  const server = await startServer({ name: `bench-ollama-${port}`, cmd, args: argv, env, healthy: () => httpOk(`${url}/api/version`) });
  const read = follower(server.logFile);
  read();
  return {
    kind: 'ollama',
    url,
    server,
    reuse() {
      const out: CacheUse[] = [];
      for (const line of read().split('\n')) {
        const m = /loading cache slot.* used=(\d+) remaining=(\d+)/.exec(line);
        if (m) out.push({ reused: Number(m[1]), evaluated: Number(m[2]) });
      }
      return out;
    },
  };
}

/** How many CPUs a taskset list such as "1", "0,2" or "0-3" names. */
export function cpuCount(cpus: string): number {
  return cpus.split(',').reduce((n, part) => {
    const [a, b] = part.split('-').map(Number);
    return n + (b === undefined ? 1 : b - a! + 1);
  }, 0);
}

/**
 * Ollama sizes its thread pool by the machine's physical cores, not by the CPUs it may run on:
 * pinned to one core, two ggml threads wait on each other and a prompt takes several times longer.
 * llama-cpp-python already runs one thread per two cores here, so the bench serves Ollama's models
 * as copies whose `num_thread` is the number of pinned CPUs. Returns each model's copy.
 */
export async function threadLimitedCopies(rt: Runtime, models: readonly string[], threads: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const from of models) {
    const model = `${from}${from.includes(':') ? '-' : ':'}t${threads}`;
    const res = await fetch(`${rt.url}/api/create`, {
      method: 'POST',
      body: JSON.stringify({ model, from, parameters: { num_thread: threads }, stream: false }),
    });
    if (!res.ok) throw new Error(`creating ${model} from ${from}: ${res.status} ${await res.text()}`);
    out.set(from, model);
  }
  return out;
}
