// From a registry entry to the scheduler's ModelSpec: the physical id, the slots and lease pool its
// upstream allows, and the footprint (operator's figure, GGUF estimate, listed size, or default).
// Pure: the caller reads the GGUF header; the inputs are structural, so no registry type is needed.
import type { SchedulerConfig } from './config-schema';
import { footprintFromBytes } from './footprint';
import { estimateFootprint, expectedLoadMs, type GgufEstimateInput } from './gguf-estimate';
import type { ModelSpec } from './types';

/** What the scheduler reads of a registry entry (`ModelEntry` satisfies it). */
export interface ModelSpecSource {
  upstream: string;
  upstreamModel: string;
  priority: string;
  pinned: boolean;
  parallel?: number;
  ttlSeconds?: number;
  contextLength?: number;
  /** Size the runtime lists for the model's weights. */
  sizeBytes?: number;
  footprint?: { ramBytes: number; vramBytes: number; source?: string };
}

/** What the scheduler reads of an upstream (`Upstream` satisfies it). */
export interface UpstreamShape {
  name: string;
  control?: unknown;
  pool: { connections: number; scope: 'upstream' | 'model' };
}

/** One model as the runtime holds it: its upstream and the runtime's own id. */
export const physicalId = (e: { upstream: string; upstreamModel: string }) => `${e.upstream}/${e.upstreamModel}`;

/** Weights → resident bytes for a runtime-listed size: KV cache and runtime overhead on top. */
const listedSizeOverhead = 1.2;

/** What a model's upstream contributes to its scheduler spec. */
export interface UpstreamTraits {
  /** Aegis loads and unloads the upstream's models (it has ModelControl). */
  controlled: boolean;
  /** The lease pool the model's requests share: the upstream's connection pool and its size. */
  pool?: { id: string; size: number };
}

/**
 * Pools follow undici's: one per origin. An upstream's models share its origin; a managed runner
 * starts one process, so one origin, per model (upstream names cannot contain "/", model ids do).
 */
export function upstreamTraits(entry: ModelSpecSource, upstream: UpstreamShape | undefined): UpstreamTraits {
  if (!upstream) return { controlled: false };
  const id = upstream.pool.scope === 'model' ? physicalId(entry) : upstream.name;
  return { controlled: Boolean(upstream.control), pool: { id, size: upstream.pool.connections } };
}

/**
 * Slots when the entry names none: 1 for runtimes Aegis loads (their default: Ollama's NUM_PARALLEL,
 * llama-cpp-python, which even interrupts a running request for a new one); for plain
 * OpenAI-compatible servers, whose own scheduler (vLLM, llama-server --parallel) is better placed to
 * batch, as many as the connection pool carries: more would only wait inside it.
 */
function defaultParallel(traits: UpstreamTraits): number {
  return traits.controlled ? 1 : (traits.pool?.size ?? 1);
}

/** The spec for `entry`; `header` is its GGUF header when it has a file and no operator figure. */
export function modelSpec(entry: ModelSpecSource, cfg: SchedulerConfig, traits: UpstreamTraits, header?: GgufEstimateInput): ModelSpec {
  const ttlMs = entry.ttlSeconds === undefined ? undefined : entry.ttlSeconds < 0 ? Infinity : entry.ttlSeconds * 1000;
  const base = {
    id: physicalId(entry),
    priority: entry.priority,
    pinned: entry.pinned,
    parallel: entry.parallel ?? defaultParallel(traits),
    pool: traits.pool?.id,
    ttlMs,
  };
  // An operator's figure wins over measurements; one stored at `models import` time is only the
  // estimate again (measurements replace it).
  if (entry.footprint) {
    const fp = footprintFromBytes(entry.footprint);
    const footprintSource = entry.footprint.source === 'config' ? 'config' : 'estimate';
    return { ...base, footprint: fp, footprintSource, expectedLoadMs: expectedLoadMs(entry.footprint.ramBytes + entry.footprint.vramBytes) };
  }
  if (header) {
    const est = estimateFootprint(header, { contextLength: entry.contextLength, parallel: entry.parallel ?? 1 });
    return { ...base, footprint: est.footprint, footprintSource: 'estimate', expectedLoadMs: expectedLoadMs(est.weightsBytes) };
  }
  const bytes = entry.sizeBytes ? entry.sizeBytes * listedSizeOverhead : cfg.unknownFootprintBytes;
  return { ...base, footprint: footprintFromBytes({ ramBytes: bytes }), footprintSource: 'estimate', expectedLoadMs: expectedLoadMs(bytes) };
}
