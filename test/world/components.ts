// Starts each test-world component on demand (installing it first) and describes it to the tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentPins, paths, pins, testModels } from './manifest';
import { ensureInstalled } from './install';
import { mcpServerPins, mcpServersModules } from './install-mcp-servers';
import { freePort, httpOk, startServer, type ServerProcess } from './process';
import { run } from './run';
import { startLmStudioFixture } from './lmstudio-fixture';

export interface ModelFile {
  id: string;
  path: string;
  sha256: string;
  sizeBytes: number;
  ollamaName: string;
}

export interface WorldInfo {
  opa: { bin: string; version: string };
  models: Record<string, ModelFile>;
  ferretdb: { uri: string; port: number; version: string };
  ollama: { url: string; bin: string; version: string; models: string[] };
  /** A llama-cpp-python server on the small chat model, with embeddings on. */
  llamacpp: { url: string; python: string; modelPath: string; version: string };
  lmstudio: { url: string; models: string[] };
  /** The agent clients from npm: their node_modules and the two CLIs' entry scripts. */
  agents: { nodeModules: string; codex: string; claude: string; versions: Record<string, string> };
  /** A Python with the openai, openai-agents and anthropic clients. */
  agentspy: { python: string; versions: Record<string, string> };
  /** The pinned MCP reference servers from npm: entry scripts to run with this Node (no shell). */
  mcpservers: { everything: string; memory: string; versions: Record<string, string> };
  /** Debian's Prometheus binary; each test starts its own server (prometheus.ts) for its gateway. */
  prometheus: { bin: string; version: string };
  /** Debian's Chromium, driven headless by playwright-core. */
  chromium: { bin: string };
}

export type ComponentName = keyof WorldInfo;

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

function modelFiles(): Record<string, ModelFile> {
  return Object.fromEntries(
    testModels.map((m) => [m.id, { id: m.id, path: paths.model(m.id), sha256: m.sha256, sizeBytes: m.sizeBytes, ollamaName: m.ollamaName }]),
  );
}

/**
 * A FerretDB on a free port with its data in `dataDir`. Fault tests start their own with a fixed
 * directory, so that stopping and restarting it keeps the data.
 */
export async function startPrivateFerretdb(
  dataDir: string,
  name = 'ferretdb',
  port?: number,
): Promise<{ port: number; uri: string; server: ServerProcess; restart(): Promise<ServerProcess> }> {
  await ensureInstalled('ferretdb');
  const listen = port ?? (await freePort());
  const debugPort = await freePort();
  const start = () =>
    startServer({
      name,
      cmd: paths.ferretdb,
      args: [
        '--handler=sqlite',
        `--sqlite-url=file:${dataDir}/`,
        `--state-dir=${dataDir}`,
        `--listen-addr=127.0.0.1:${listen}`,
        `--debug-addr=127.0.0.1:${debugPort}`,
        '--telemetry=disable',
        '--log-level=WARN',
      ],
      healthy: () => tcpOpen(listen),
    });
  return { port: listen, uri: `mongodb://127.0.0.1:${listen}/`, server: await start(), restart: start };
}

async function startFerretdb(): Promise<WorldInfo['ferretdb']> {
  const { port, uri } = await startPrivateFerretdb(mkdtempSync(join(tmpdir(), 'aegis-ferretdb-')));
  return { uri, port, version: pins.ferretdb.version };
}

async function startOllama(): Promise<WorldInfo['ollama']> {
  await Promise.all([ensureInstalled('ollama'), ensureInstalled('models')]);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const env = {
    ...process.env,
    OLLAMA_HOST: host,
    OLLAMA_MODELS: paths.ollamaModels,
    OLLAMA_NOPRUNE: '1',
    OLLAMA_NUM_PARALLEL: '2',
    OLLAMA_MAX_LOADED_MODELS: '2',
  };
  const url = `http://${host}`;
  await startServer({ name: 'ollama', cmd: paths.ollama, args: ['serve'], env, healthy: () => httpOk(`${url}/api/version`) });
  const tags = (await (await fetch(`${url}/api/tags`)).json()) as { models: { name: string }[] };
  const have = new Set(tags.models.map((m) => m.name));
  for (const model of testModels) {
    if (have.has(model.ollamaName)) continue;
    const dir = mkdtempSync(join(tmpdir(), 'aegis-modelfile-'));
    writeFileSync(join(dir, 'Modelfile'), `FROM ${paths.model(model.id)}\n`);
    await run(paths.ollama, ['create', model.ollamaName, '-f', join(dir, 'Modelfile')], {
      env,
      log: 'ollama-create.log',
      label: `importing ${model.file} into Ollama as ${model.ollamaName}`,
    });
  }
  return { url, bin: paths.ollama, version: pins.ollama.version, models: testModels.map((m) => m.ollamaName) };
}

async function startLlamaCpp(): Promise<WorldInfo['llamacpp']> {
  await Promise.all([ensureInstalled('llamacpp'), ensureInstalled('models')]);
  const port = await freePort();
  const modelPath = paths.model('smollm2-135m');
  await startServer({
    name: 'llamacpp',
    cmd: paths.python,
    args: [
      '-m',
      'llama_cpp.server',
      '--model',
      modelPath,
      '--model_alias',
      'smollm2-135m',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--n_ctx',
      '2048',
      '--embedding',
      'true',
      // Test files share this runtime, each through its own gateway. By default a request from one
      // ends another's running answer (docs/operations.md), which Aegis reports as a failed stream;
      // queued instead, every file gets its answers. The interruption itself is tested on a fake.
      '--interrupt_requests',
      'false',
    ],
    healthy: () => httpOk(`http://127.0.0.1:${port}/v1/models`),
  });
  return { url: `http://127.0.0.1:${port}`, python: paths.python, modelPath, version: pins.llamaCppPython.version };
}

async function startLmStudio(): Promise<WorldInfo['lmstudio']> {
  await Promise.all([ensureInstalled('llamacpp'), ensureInstalled('models')]);
  const models = testModels.map((m) => ({ key: m.id, path: paths.model(m.id), architecture: m.architecture, quantization: m.quantization }));
  const fixture = await startLmStudioFixture({ port: 0, python: paths.python, models, logDir: paths.logs });
  stopHooks.push(() => fixture.close());
  return { url: fixture.url, models: models.map((m) => m.key) };
}

export const stopHooks: (() => Promise<void>)[] = [];

export const starters: { [K in ComponentName]: () => Promise<WorldInfo[K]> } = {
  opa: async () => {
    await ensureInstalled('opa');
    return { bin: paths.opa, version: pins.opa.version };
  },
  models: async () => {
    await ensureInstalled('models');
    return modelFiles();
  },
  ferretdb: startFerretdb,
  ollama: startOllama,
  llamacpp: startLlamaCpp,
  lmstudio: startLmStudio,
  agents: async () => {
    await ensureInstalled('agents');
    const nodeModules = join(paths.agentsNpm, 'node_modules');
    return {
      nodeModules,
      // The packages' own bin scripts, run with this Node (no shell, so the same on Windows).
      codex: join(nodeModules, '@openai', 'codex', 'bin', 'codex.js'),
      // Claude Code's package ships its native binary as bin/claude.exe on every platform.
      claude: join(nodeModules, '@anthropic-ai', 'claude-code', 'bin', 'claude.exe'),
      versions: { ...agentPins.npm },
    };
  },
  agentspy: async () => {
    await ensureInstalled('agentspy');
    return { python: paths.agentsPython, versions: { ...agentPins.pypi } };
  },
  mcpservers: async () => {
    await ensureInstalled('mcpservers');
    const entry = (pkg: string) => join(mcpServersModules, '@modelcontextprotocol', pkg, 'dist', 'index.js');
    return { everything: entry('server-everything'), memory: entry('server-memory'), versions: { ...mcpServerPins } };
  },
  prometheus: async () => {
    await ensureInstalled('prometheus');
    return { bin: paths.prometheus, version: pins.prometheus.version };
  },
  chromium: async () => {
    await ensureInstalled('chromium');
    return { bin: pins.chromium.bin };
  },
};
