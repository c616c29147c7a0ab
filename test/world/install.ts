// Installs the pinned test world into the cache (idempotent): opa, FerretDB, Ollama,
// llama-cpp-python, the GGUF test models, the agent clients (npm and Python), the MCP reference
// servers, and Prometheus and Chromium from Debian. `tsx test/world/install.ts [component...]`.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { agentPins, ollamaHeaders, paths, pins, cacheDir } from './manifest';
import { ensureChromium, ensurePrometheus } from './install-debian';
import { installModels } from './install-models';
import { ensureMcpServers } from './install-mcp-servers';
import { elapsed, run, say } from './run';

export type Component = 'opa' | 'ferretdb' | 'ollama' | 'llamacpp' | 'models' | 'agents' | 'agentspy' | 'mcpservers' | 'prometheus' | 'chromium';
export const components: Component[] = ['models', 'opa', 'ferretdb', 'llamacpp', 'ollama', 'agents', 'agentspy', 'mcpservers', 'prometheus', 'chromium'];

const stampOf = (artifact: string) => join(dirname(artifact), '.installed');

export function installed(artifact: string): boolean {
  return existsSync(artifact) && existsSync(stampOf(artifact));
}

/** Installed, and built the way `detail` says (a stamp from an older recipe means build again). */
function installedAs(artifact: string, detail: Record<string, string>): boolean {
  if (!installed(artifact)) return false;
  const stamped = JSON.parse(readFileSync(stampOf(artifact), 'utf8')) as Record<string, unknown>;
  return Object.entries(detail).every(([k, v]) => stamped[k] === v);
}

function stamp(artifact: string, started: number, detail: Record<string, unknown>): void {
  writeFileSync(stampOf(artifact), JSON.stringify({ ...detail, seconds: (Date.now() - started) / 1000, at: new Date().toISOString() }));
}

export const python3 = process.platform === 'win32' ? 'python' : 'python3';

async function ensureOpa(): Promise<void> {
  if (installed(paths.opa)) return;
  const started = Date.now();
  const { module, version } = pins.opa;
  await run('go', ['install', `${module}@${version}`], {
    log: 'build-opa.log',
    label: `building opa ${version} (go install)`,
    env: { ...process.env, GOBIN: dirname(paths.opa) },
  });
  stamp(paths.opa, started, { module, version });
}

/** FerretDB panics without build/version/version.txt, which its module zip lacks: build a patched copy. */
async function ensureFerretdb(): Promise<void> {
  if (installed(paths.ferretdb)) return;
  const started = Date.now();
  const { module, version } = pins.ferretdb;
  const json = await run('go', ['mod', 'download', '-json', `${module}@${version}`], { log: 'build-ferretdb.log', label: `downloading FerretDB ${version}` });
  const src = join(dirname(dirname(paths.ferretdb)), 'src');
  rmSync(src, { recursive: true, force: true });
  cpSync((JSON.parse(json) as { Dir: string }).Dir, src, { recursive: true });
  await run('chmod', ['-R', 'u+w', src], { log: 'build-ferretdb.log', label: 'making the FerretDB source copy writable' });
  writeFileSync(join(src, 'build', 'version', 'version.txt'), `${version}\n`);
  await run('go', ['build', '-o', paths.ferretdb, './cmd/ferretdb'], { cwd: src, log: 'build-ferretdb.log', label: `building FerretDB ${version}` });
  stamp(paths.ferretdb, started, { module, version });
}

/** Go module zips drop `vendor/` folders, so Ollama's vendored headers come from Debian and PyPI. */
async function ensureOllamaHeaders(): Promise<void> {
  const inc = paths.ollamaInclude;
  const marker = join(inc, 'miniaudio', 'miniaudio.h');
  if (existsSync(join(inc, 'nlohmann', 'json_fwd.hpp')) && existsSync(join(inc, 'stb', 'stb_image.h')) && existsSync(marker)) return;
  const work = join(cacheDir, 'tmp', 'ollama-headers');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(join(inc, 'miniaudio'), { recursive: true });
  const download = () =>
    run('apt-get', ['download', ...ollamaHeaders.debian], {
      cwd: work,
      log: 'build-ollama.log',
      label: `downloading ${ollamaHeaders.debian.join(', ')} (Debian)`,
    });
  try {
    await download();
  } catch {
    await run('apt-get', ['update', '-qq'], { log: 'build-ollama.log', label: 'apt-get update' });
    await download();
  }
  const script = [
    'import glob, subprocess, sys, tarfile, os',
    'work, inc, member = sys.argv[1:4]',
    'for deb in glob.glob(os.path.join(work, "*.deb")): subprocess.run(["dpkg-deb", "-x", deb, os.path.join(work, "x")], check=True)',
    'for name in ("nlohmann", "stb"): subprocess.run(["cp", "-r", os.path.join(work, "x", "usr", "include", name), inc], check=True)',
    'sdist = glob.glob(os.path.join(work, "*.tar.gz"))[0]',
    'with tarfile.open(sdist) as t:',
    '  m = [x for x in t.getmembers() if x.name.endswith(member)][0]',
    '  open(os.path.join(inc, "miniaudio", "miniaudio.h"), "wb").write(t.extractfile(m).read())',
  ].join('\n');
  const { name, version, member } = ollamaHeaders.pypiSdist;
  await run(python3, ['-m', 'pip', 'download', '--no-deps', '--no-binary', ':all:', '-d', work, `${name}==${version}`], {
    log: 'build-ollama.log',
    label: `downloading ${name} ${version} sdist (PyPI)`,
  });
  await run(python3, ['-c', script, work, inc, member], { log: 'build-ollama.log', label: 'unpacking vendored headers' });
}

/**
 * `go install` compiles ggml's CPU code once, through cgo, for the baseline x86-64 (SSE2) unless told
 * otherwise; Ollama's releases ship per-CPU builds instead. Without these flags the test world's
 * Ollama evaluates prompts tens of times slower than the one users run, and every bench and
 * timeout calibrated on it says more about the build than about Aegis. x86-64-v3 (AVX2, FMA, F16C)
 * only where this CPU has it, so the binary still runs on the machine that built it.
 */
function ollamaCFlags(): string {
  if (process.arch !== 'x64') return '-O3';
  let flags = '';
  try {
    flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    return '-O3';
  }
  const has = new Set(flags.trim().split(/\s+/));
  return ['avx2', 'fma', 'f16c', 'bmi2', 'movbe'].every((f) => has.has(f)) ? '-O3 -march=x86-64-v3' : '-O3';
}

async function ensureOllama(): Promise<void> {
  const { module, version } = pins.ollama;
  const cflags = ollamaCFlags();
  if (installedAs(paths.ollama, { version, cflags })) return;
  const started = Date.now();
  await ensureOllamaHeaders();
  await run('go', ['install', `${module}@${version}`], {
    log: 'build-ollama.log',
    label: `building Ollama ${version} with ${cflags} (go install; compiles the ggml CPU backend, ~15 min on 2 cores)`,
    env: { ...process.env, GOBIN: dirname(paths.ollama), CGO_CPPFLAGS: `-I${paths.ollamaInclude}`, CGO_CFLAGS: cflags, CGO_CXXFLAGS: cflags },
  });
  stamp(paths.ollama, started, { module, version, cflags });
}

async function ensureLlamaCpp(): Promise<void> {
  if (installed(paths.python)) return;
  const started = Date.now();
  const { version } = pins.llamaCppPython;
  rmSync(paths.venv, { recursive: true, force: true });
  await run(python3, ['-m', 'venv', paths.venv], { log: 'build-llama-cpp-python.log', label: 'creating the llama-cpp-python venv' });
  // Its server dependencies are pinned too, so a new FastAPI release cannot change the world.
  const constraints = join(dirname(fileURLToPath(import.meta.url)), 'llama-cpp-python.constraints.txt');
  await run(paths.python, ['-m', 'pip', 'install', '--no-input', '-c', constraints, `llama-cpp-python[server]==${version}`], {
    log: 'build-llama-cpp-python.log',
    label: `building llama-cpp-python ${version} (compiles llama.cpp with CMake, ~15 min on 2 cores)`,
    env: { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: '2' },
  });
  stamp(paths.python, started, { version });
}

/** Codex, Claude Code, the Anthropic SDK and the Agents SDK from npm, into a folder of their own. */
async function ensureAgents(): Promise<void> {
  const artifact = join(paths.agentsNpm, 'package.json');
  if (installed(artifact)) return;
  const started = Date.now();
  rmSync(paths.agentsNpm, { recursive: true, force: true });
  mkdirSync(paths.agentsNpm, { recursive: true });
  writeFileSync(artifact, JSON.stringify({ name: 'aegis-testworld-agents', private: true }));
  const specs = Object.entries(agentPins.npm).map(([name, version]) => `${name}@${version}`);
  await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', '--prefix', paths.agentsNpm, '--no-audit', '--no-fund', '--save-exact', ...specs], {
    log: 'install-agents.log',
    label: `installing ${specs.join(', ')} (npm)`,
    // npm is a .cmd script on Windows, which Node runs only through a shell.
    shell: process.platform === 'win32',
  });
  stamp(artifact, started, { npm: agentPins.npm });
}

/** The openai, openai-agents and anthropic Python clients in a pinned venv. */
async function ensureAgentsPython(): Promise<void> {
  if (installed(paths.agentsPython)) return;
  const started = Date.now();
  const venv = dirname(dirname(paths.agentsPython));
  rmSync(venv, { recursive: true, force: true });
  await run(python3, ['-m', 'venv', venv], { log: 'install-agents-python.log', label: 'creating the Python agent clients venv' });
  const specs = Object.entries(agentPins.pypi).map(([name, version]) => `${name}==${version}`);
  await run(paths.agentsPython, ['-m', 'pip', 'install', '--no-input', ...specs], {
    log: 'install-agents-python.log',
    label: `installing ${specs.join(', ')} (PyPI)`,
  });
  stamp(paths.agentsPython, started, { pypi: agentPins.pypi });
}

const installers: Record<Component, () => Promise<void>> = {
  opa: ensureOpa,
  ferretdb: ensureFerretdb,
  ollama: ensureOllama,
  llamacpp: ensureLlamaCpp,
  models: installModels,
  agents: ensureAgents,
  agentspy: ensureAgentsPython,
  mcpservers: ensureMcpServers,
  prometheus: ensurePrometheus,
  chromium: ensureChromium,
};

const inflight = new Map<Component, Promise<void>>();

/** Installs one component once per process; concurrent callers share the same install. */
export function ensureInstalled(component: Component): Promise<void> {
  let p = inflight.get(component);
  if (!p) {
    p = installers[component]();
    inflight.set(component, p);
  }
  return p;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a): a is Component => (components as string[]).includes(a));
  const list = wanted.length > 0 ? wanted : components;
  const started = Date.now();
  say(`cache: ${cacheDir}; installing ${list.join(', ')}`);
  const results = await Promise.allSettled(list.map((c) => ensureInstalled(c)));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${list[i]}: ${String((r.reason as Error).message ?? r.reason)}`] : []));
  say(`test world ready check took ${elapsed(started)}; ${list.length - failed.length}/${list.length} components installed`);
  if (failed.length === 0) return;
  const text = failed.join('\n\n');
  if (process.env.CI === 'true') {
    say(`FAILED under CI=true:\n${text}`);
    process.exit(1);
  }
  say(`WARNING: some test-world components are missing; tests needing them will be SKIPPED outside CI:\n${text}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    say(String(err));
    process.exit(1);
  });
}
