// EMULATES LM Studio's server API for the test world; it is NOT LM Studio (closed source, cannot run
// here). Follows LM Studio's developer docs: "OpenAI Compatibility Endpoints", "REST API v0",
// "REST API v1" (List Models, Load, Unload) and "Idle TTL and Auto-Evict" (JIT loading). Inference
// is real: each loaded instance is a llama-cpp-python (llama.cpp) server process for the model's GGUF.
import { realpathSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent } from 'undici';
import { openAiModel, resolveCatalog, v0Model, v1Model, type CatalogEntry, type LmStudioFixtureModel } from './lmstudio-fixture-catalog';
import { errorBody, forwardOpenAiRequest } from './lmstudio-fixture-forward';
import { FixtureError, InstanceManager } from './lmstudio-fixture-instances';

export type { LmStudioFixtureModel } from './lmstudio-fixture-catalog';

export interface LmStudioFixtureOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  python: string;
  models: LmStudioFixtureModel[];
  logDir?: string;
  /** Idle TTL of JIT-loaded models when the request names none; LM Studio's default is 60 minutes. */
  jitTtlSeconds?: number;
  /** Keep at most one JIT-loaded model (LM Studio's "Auto-Evict", on by default). */
  autoEvict?: boolean;
  defaultContextLength?: number;
}

export interface LmStudioFixture {
  url: string;
  port: number;
  /** Unloads every instance and waits for its process to exit. */
  close(): Promise<void>;
}

const OPENAI_INFERENCE_PATHS = new Set(['/v1/chat/completions', '/v1/completions', '/v1/embeddings']);

interface RouteContext {
  manager: InstanceManager;
  catalog: Map<string, CatalogEntry>;
  dispatcher: Agent;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text || '{}');
  } catch {
    throw new FixtureError(400, 'invalid_json', 'Request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FixtureError(400, 'invalid_request', 'Request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function optional<T>(body: Record<string, unknown>, field: string, kind: 'number' | 'boolean' | 'string'): T | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== kind || (kind === 'number' && !(Number(value) > 0))) {
    throw new FixtureError(400, 'invalid_request', `"${field}" must be a ${kind === 'number' ? 'positive number' : kind}.`);
  }
  return value as T;
}

function required(body: Record<string, unknown>, field: string): string {
  const value = optional<string>(body, field, 'string');
  if (!value) throw new FixtureError(400, 'invalid_request', `"${field}" is required.`);
  return value;
}

async function inference(ctx: RouteContext, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const instance = await ctx.manager.acquire(optional<string>(body, 'model', 'string'), optional<number>(body, 'ttl', 'number'));
  try {
    await forwardOpenAiRequest({ dispatcher: ctx.dispatcher, instance, path, body, res });
  } finally {
    ctx.manager.release(instance);
  }
}

async function loadModel(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const instance = await ctx.manager.load(required(body, 'model'), {
    contextLength: optional<number>(body, 'context_length', 'number'),
    evalBatchSize: optional<number>(body, 'eval_batch_size', 'number'),
    flashAttention: optional<boolean>(body, 'flash_attention', 'boolean'),
    ttlSeconds: optional<number>(body, 'ttl', 'number'),
  });
  const echo = optional<boolean>(body, 'echo_load_config', 'boolean') === true;
  sendJson(res, 200, {
    type: instance.type,
    instance_id: instance.id,
    load_time_seconds: Number(instance.loadTimeSeconds.toFixed(3)),
    status: 'loaded',
    ...(echo ? { load_config: instance.config } : {}),
  });
}

async function unloadModel(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const instanceId = required(await readJson(req), 'instance_id');
  const unloaded = await ctx.manager.unload(instanceId);
  if (!unloaded) throw new FixtureError(404, 'model_not_found', `No loaded model instance with id "${instanceId}".`);
  sendJson(res, 200, { instance_id: unloaded.id });
}

async function route(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://fixture').pathname;
  const { manager, catalog } = ctx;
  const entries = [...catalog.values()];
  if (req.method === 'POST' && OPENAI_INFERENCE_PATHS.has(path)) return inference(ctx, path, req, res);
  if (req.method === 'POST' && path === '/api/v1/models/load') return loadModel(ctx, req, res);
  if (req.method === 'POST' && path === '/api/v1/models/unload') return unloadModel(ctx, req, res);
  if (req.method !== 'GET') throw new FixtureError(404, 'not_found', `Unexpected endpoint or method. (${req.method} ${path})`);

  // With JIT loading on, LM Studio lists every downloaded model here, loaded or not.
  if (path === '/v1/models') return sendJson(res, 200, { object: 'list', data: entries.map(openAiModel) });
  if (path === '/api/v0/models') {
    return sendJson(res, 200, { object: 'list', data: entries.map((e) => v0Model(e, manager.instancesOf(e.key).length > 0)) });
  }
  if (path.startsWith('/api/v0/models/')) {
    // Keys may contain slashes (`publisher/name`), so the rest of the path is the key.
    const entry = manager.entry(decodeURIComponent(path.slice('/api/v0/models/'.length)));
    return sendJson(res, 200, v0Model(entry, manager.instancesOf(entry.key).length > 0));
  }
  if (path === '/api/v1/models') {
    return sendJson(res, 200, { models: entries.map((e) => v1Model(e, manager.instancesOf(e.key))) });
  }
  // Fixture-only introspection for tests (load/unload counters, process ids); not LM Studio's API.
  if (path === '/__fixture/stats') return sendJson(res, 200, manager.stats());
  throw new FixtureError(404, 'not_found', `Unexpected endpoint or method. (${req.method} ${path})`);
}

export async function startLmStudioFixture({
  port = 0,
  host = '127.0.0.1',
  python,
  models,
  logDir,
  jitTtlSeconds = 3600,
  autoEvict = true,
  defaultContextLength = 2048,
}: LmStudioFixtureOptions): Promise<LmStudioFixture> {
  const catalog = await resolveCatalog(models);
  const manager = new InstanceManager({ python, catalog, logDir, jitTtlSeconds, autoEvict, defaultContextLength });
  // Generations on two CPU cores can be slow, but a wedged process must not hang a test forever.
  const dispatcher = new Agent({ headersTimeout: 120_000, bodyTimeout: 120_000 });
  const ctx: RouteContext = { manager, catalog, dispatcher };

  const server = createServer((req, res) => {
    route(ctx, req, res).catch((error: unknown) => {
      const failure =
        error instanceof FixtureError ? error : new FixtureError(500, 'internal_error', error instanceof Error ? error.message : String(error), 'server_error');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, failure.status, errorBody(failure.message, failure.type, failure.code));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const boundPort = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${boundPort}`,
    port: boundPort,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await manager.close();
      server.closeAllConnections();
      await closed;
      await dispatcher.close();
    },
  };
}

function parseCliOptions(argv: string[]): LmStudioFixtureOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '1234' },
      host: { type: 'string' },
      python: { type: 'string' },
      model: { type: 'string', multiple: true, default: [] },
      'log-dir': { type: 'string' },
      'jit-ttl': { type: 'string' },
      'no-auto-evict': { type: 'boolean', default: false },
      'context-length': { type: 'string' },
    },
  });
  if (!values.python) throw new Error('--python <path to the llama-cpp-python venv interpreter> is required');
  const models = values.model.map((spec) => {
    const at = spec.indexOf('=');
    if (at <= 0) throw new Error(`--model expects key=/path/file.gguf, got "${spec}"`);
    return { key: spec.slice(0, at), path: spec.slice(at + 1) };
  });
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  return {
    port: Number(values.port),
    host: values.host,
    python: values.python,
    models,
    logDir: values['log-dir'],
    jitTtlSeconds: number(values['jit-ttl']),
    autoEvict: !values['no-auto-evict'],
    defaultContextLength: number(values['context-length']),
  };
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const fixture = await startLmStudioFixture(parseCliOptions(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify({ url: fixture.url })}\n`);
  const shutdown = () => {
    void fixture.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
