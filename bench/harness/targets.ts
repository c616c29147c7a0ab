// The five things measured in one run, and the Aegis configs behind (b) and (c). The gateway owner
// turns on each subsystem for the full pipeline in `fullPipelineConfig` (see the TODO list there);
// the minimal config is derived from it, so it follows automatically.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashKey } from '../../src/gateway';
import type { Door, RequestShape, StageShape } from './workload';

/** A process to measure; `aegis-full` takes chat, the other front doors are the door targets below. */
export type ProcessTargetId = 'direct' | 'aegis-full' | 'aegis-min' | 'thin' | 'portkey';
/** Aegis full reached through another front door: the same process, another request shape. */
export type DoorTargetId = 'aegis-responses' | 'aegis-messages' | 'aegis-responses-store';
/** Aegis full through chat with a request that makes a wave-2 stage work (issue 28): the same process, another request. */
export type StageTargetId = 'aegis-fit' | 'aegis-tools';
export type TargetId = ProcessTargetId | DoorTargetId | StageTargetId;

export const TARGET_LABELS: Record<TargetId, string> = {
  direct: '(a) direct to mock',
  'aegis-full': '(b) Aegis full pipeline',
  'aegis-responses': '(b) Aegis full, Responses door',
  'aegis-messages': '(b) Aegis full, Messages door',
  'aegis-responses-store': '(b) Aegis full, Responses door, store: true',
  'aegis-fit': '(b) Aegis full, 30-turn conversation fitted',
  'aegis-tools': '(b) Aegis full, tools request (emulated)',
  'aegis-min': '(c) Aegis minimal',
  portkey: '(d) Portkey 1.x',
  thin: '(e) thin pass-through',
};

/** The processes `--targets` selects from, in the order they are listed. */
export const PROCESS_TARGETS: ProcessTargetId[] = ['direct', 'thin', 'aegis-full', 'aegis-min', 'portkey'];

/** The target of each front door of Aegis full (chat is `aegis-full` itself, the baseline). */
export const DOOR_TARGETS: Record<Door, TargetId> = {
  chat: 'aegis-full',
  responses: 'aegis-responses',
  messages: 'aegis-messages',
  'responses-store': 'aegis-responses-store',
};

/** The target of each wave-2 stage shape (issue 28). */
export const STAGE_TARGETS: Record<StageShape, StageTargetId> = { fit: 'aegis-fit', tools: 'aegis-tools' };

/** The order targets are listed in; each round rotates it so no target always goes first. */
export const TARGET_ORDER: TargetId[] = [
  'direct',
  'thin',
  'aegis-full',
  'aegis-responses',
  'aegis-messages',
  'aegis-responses-store',
  'aegis-fit',
  'aegis-tools',
  'aegis-min',
  'portkey',
];

/** Whether a target is one of the wave-2 stage shapes. */
export const isStageTarget = (id: TargetId): id is StageTargetId => id === 'aegis-fit' || id === 'aegis-tools';

/** The process a target's requests go to (a door's or a stage shape's is Aegis full's). */
export function processOf(id: TargetId): ProcessTargetId {
  return id === 'aegis-responses' || id === 'aegis-messages' || id === 'aegis-responses-store' || isStageTarget(id) ? 'aegis-full' : id;
}

export const BENCH_KEY = 'aegis-bench-key-0123456789abcdefghijklmnop';
export const BENCH_ADMIN_KEY = 'aegis-bench-admin-key-0123456789abcdefghij';
export const BENCH_MODEL = 'bench-model';
/** The `fit` shape's model: a context of 2,048 tokens, which the 30-turn conversation (~3,900 by the estimate) exceeds. */
export const FIT_MODEL = 'bench-model-fit';
export const FIT_CONTEXT = 2_048;
/** The `tools` shape's model: tools emulated (rendered into the prompt, the answer decoded under a schema and parsed). */
export const TOOLS_MODEL = 'bench-model-tools';

/** The bench key's policy role: the shipped `user` grant (src/policy/data.ts), minus the quotas. */
export const BENCH_ROLE = 'bench';
const benchRole = {
  endpoints: ['chat', 'completions', 'embeddings', 'models', 'mcp'],
  model_groups: ['general'],
  mcp: { aegis: ['chat', 'list_models', 'rag_search'] },
  quotas: { requests_per_minute: 1_000_000_000, tokens_per_day: 1_000_000_000_000 },
};

/** Sections that make up the full pipeline beyond auth, registry and metrics (always on). */
export const PIPELINE_SECTIONS = ['scheduler', 'policy', 'rag'] as const;

/**
 * Aegis with everything on: auth with a key, registry, metrics, scheduler lease, policy evaluation,
 * RAG recording into the embedded store and (once wired, see the TODO below) context counting.
 * `workDir` holds the database and the spool; the run passes its own temporary directory.
 */
export function fullPipelineConfig(mockUrl: string, workDir = join(tmpdir(), 'aegis-bench')): Record<string, unknown> {
  return {
    server: { host: '127.0.0.1', shutdownGraceMs: 1_000, keepAliveMs: 5_000 },
    auth: {
      keys: [
        { id: 'bench', name: 'bench load', hash: hashKey(BENCH_KEY), roles: [BENCH_ROLE] },
        { id: 'bench-admin', name: 'bench probes', hash: hashKey(BENCH_ADMIN_KEY), roles: ['admin'] },
      ],
    },
    upstreams: [
      {
        name: 'mock',
        type: 'openai',
        url: mockUrl,
        discover: false,
        // ≥ peak concurrency (1,000 streams): a smaller pool queues streams silently (§3 pitfall 1).
        connections: 4_096,
        timeouts: { connectMs: 2_000, headersMs: 30_000, bodyMs: 30_000, healthMs: 1_000 },
      },
    ],
    // parallel ≥ peak concurrency: the scheduler grants one lease per slot (default 1), so a smaller
    // figure measures queueing in front of the model instead of gateway overhead. A config
    // footprint keeps the scheduler from estimating one.
    // The stage shapes' models (issue 28) share the mock's model; the bench prompt's requests never name them.
    models: [
      { name: BENCH_MODEL, upstream: 'mock', upstreamModel: 'mock-model', contextLength: 8_192, parallel: 4_096, footprint: { ramBytes: 64 * 2 ** 20 } },
      { name: FIT_MODEL, upstream: 'mock', upstreamModel: 'mock-model', contextLength: FIT_CONTEXT, parallel: 4_096, footprint: { ramBytes: 64 * 2 ** 20 } },
      {
        name: TOOLS_MODEL,
        upstream: 'mock',
        upstreamModel: 'mock-model',
        contextLength: 8_192,
        capabilities: { tools: 'emulated' },
        parallel: 4_096,
        footprint: { ramBytes: 64 * 2 ** 20 },
      },
    ],
    discovery: { intervalMs: 0 },
    // Request logging off during throughput runs (benchmarking.md §6.1); warnings still land in the log file.
    logging: { level: 'warn', prompts: false },
    // The shipped bundle, evaluated on every request (quota usage counted too). The bench role is the
    // shipped `user` grant with quotas a load test never reaches: the default 120 requests/minute
    // would turn a saturation run into a run of 403s.
    policy: { data: { roles: { [BENCH_ROLE]: benchRole } } },
    // Every request takes a scheduler lease on bench-model (an upstream without load control, so it
    // is always "loaded"); queues sized so the 1,000-stream hold never hits queue_full.
    scheduler: { maxQueuePerModel: 8_192, maxQueueTotal: 8_192 },
    // Every exchange recorded (redacted) into the embedded SQLite store; the run's children get no
    // MONGODB_URI. The report shows what recording left on disk (database and spool) after the run.
    rag: { spool: { dir: join(workDir, 'spool') }, embedded: { path: join(workDir, 'aegis.db') } },
    // Context fitting (stage 5) and tool planning (stage 6) are always on with their defaults: the
    // mock has no tokenize endpoint, so prompts near a limit are counted by the calibrated estimate.
  };
}

/** Aegis minimal: the full config without policy and RAG (auth, registry, metrics, scheduler stay). */
export function minimalConfig(mockUrl: string, workDir?: string): Record<string, unknown> {
  const config = fullPipelineConfig(mockUrl, workDir);
  // Both are on unless disabled (src/cli/wiring.ts, wiring-rag.ts).
  config.policy = { enabled: false };
  config.rag = { enabled: false };
  return config;
}

/** Whether a config section turns its subsystem on (present and not `enabled: false`). */
export function sectionEnabled(config: Record<string, unknown>, name: string): boolean {
  const section = config[name];
  return section !== undefined && (section as { enabled?: unknown }).enabled !== false;
}

export interface Target {
  id: TargetId;
  label: string;
  /** Base URL, e.g. http://127.0.0.1:9101. */
  url: string;
  /** The request this target is sent: path, bodies and how its answers read (workload.ts). */
  shape: RequestShape;
  path: string;
  headers: Record<string, string>;
  /** The process whose CPU and RSS are reported (the mock's for `direct`). */
  pid: number;
  /** Why the target is not measured at all, when set. */
  failure?: string;
  /** Why streaming is not measured, when set (Portkey: Portkey-AI/gateway#1389, #1550). */
  streamFailure?: string;
}

export function targetHeaders(id: TargetId, mockUrl: string): Record<string, string> {
  const json = { 'content-type': 'application/json' };
  switch (id) {
    case 'aegis-full':
    case 'aegis-min':
    case 'aegis-responses':
    case 'aegis-responses-store':
    case 'aegis-fit':
    case 'aegis-tools':
      return { ...json, authorization: `Bearer ${BENCH_KEY}` };
    // As Anthropic's SDKs and Claude Code send it (the auth middleware takes either form).
    case 'aegis-messages':
      return { ...json, 'x-api-key': BENCH_KEY, 'anthropic-version': '2023-06-01' };
    case 'portkey':
      return { ...json, authorization: 'Bearer sk-bench', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${mockUrl}/v1` };
    default:
      return json;
  }
}
