// The emulated LM Studio's "downloaded models": what it knows about each GGUF file and how the
// v0 and v1 REST listings render a model (shapes from LM Studio's developer docs, REST v0/v1).
import { stat } from 'node:fs/promises';
import { gguf, GGMLFileQuantizationType } from '@huggingface/gguf';

export interface LmStudioFixtureModel {
  key: string;
  path: string;
  type?: 'llm' | 'embedding';
  publisher?: string;
  architecture?: string;
  quantization?: string;
  maxContextLength?: number;
  paramsString?: string;
}

export interface CatalogEntry {
  key: string;
  path: string;
  type: 'llm' | 'embedding';
  publisher: string;
  architecture: string;
  quantization: string | null;
  maxContextLength: number;
  paramsString: string | null;
  sizeBytes: number;
}

/** The settings an instance was loaded with, as LM Studio's v1 API names them. */
export interface LoadConfig {
  context_length: number;
  eval_batch_size: number;
  parallel: number;
  flash_attention: boolean;
  num_experts: number;
  offload_kv_cache_to_gpu: boolean;
}

export interface InstanceView {
  id: string;
  key: string;
  config: LoadConfig;
}

function metadataString(metadata: Record<string, unknown>, name: string): string | undefined {
  const value = metadata[name];
  return typeof value === 'string' ? value : undefined;
}

// Fill what the caller left out from the file itself, as LM Studio does when it indexes a download.
async function resolveEntry(model: LmStudioFixtureModel): Promise<CatalogEntry> {
  const { metadata } = await gguf(model.path, { allowLocalFile: true });
  const fields = metadata as Record<string, unknown>;
  const architecture = model.architecture ?? metadataString(fields, 'general.architecture') ?? 'unknown';
  const contextLength = fields[`${architecture}.context_length`];
  const fileType = fields['general.file_type'];
  const quantization = typeof fileType === 'number' ? GGMLFileQuantizationType[fileType] : undefined;
  const slash = model.key.indexOf('/');
  return {
    key: model.key,
    path: model.path,
    type: model.type ?? 'llm',
    publisher: model.publisher ?? (slash > 0 ? model.key.slice(0, slash) : 'local'),
    architecture,
    quantization: model.quantization ?? quantization ?? null,
    maxContextLength: model.maxContextLength ?? (typeof contextLength === 'number' ? contextLength : 4096),
    paramsString: model.paramsString ?? metadataString(fields, 'general.size_label') ?? null,
    sizeBytes: (await stat(model.path)).size,
  };
}

export async function resolveCatalog(models: LmStudioFixtureModel[]): Promise<Map<string, CatalogEntry>> {
  const entries = await Promise.all(models.map(resolveEntry));
  return new Map(entries.map((entry) => [entry.key, entry]));
}

// LM Studio reports whole bits for llama.cpp quants (Q4_K_M -> 4); float formats by width.
function bitsPerWeight(quantization: string | null): number | null {
  if (quantization === null) return null;
  const quant = /^I?Q(\d+)/i.exec(quantization);
  if (quant) return Number(quant[1]);
  const float = /^B?F(\d+)$/i.exec(quantization);
  return float ? Number(float[1]) : null;
}

export function openAiModel(entry: CatalogEntry) {
  return { id: entry.key, object: 'model', owned_by: 'organization_owner' };
}

// REST v0 (`GET /api/v0/models`): v0 spells the embedding type in the plural.
export function v0Model(entry: CatalogEntry, loaded: boolean) {
  return {
    id: entry.key,
    object: 'model',
    type: entry.type === 'embedding' ? 'embeddings' : 'llm',
    publisher: entry.publisher,
    arch: entry.architecture,
    compatibility_type: 'gguf',
    quantization: entry.quantization,
    state: loaded ? 'loaded' : 'not-loaded',
    max_context_length: entry.maxContextLength,
  };
}

// REST v1 (`GET /api/v1/models`): a model is loaded exactly when loaded_instances is non-empty.
export function v1Model(entry: CatalogEntry, instances: InstanceView[]) {
  return {
    type: entry.type,
    publisher: entry.publisher,
    key: entry.key,
    display_name: entry.key,
    architecture: entry.architecture,
    quantization: { name: entry.quantization, bits_per_weight: bitsPerWeight(entry.quantization) },
    size_bytes: entry.sizeBytes,
    params_string: entry.paramsString,
    loaded_instances: instances.map((instance) => ({ id: instance.id, config: instance.config })),
    max_context_length: entry.maxContextLength,
    format: 'gguf',
    capabilities: { vision: false, trained_for_tool_use: false },
    variants: [],
    selected_variant: null,
  };
}
