// Registry test data: model entries and a small but valid GGUF file (header only, no tensors).
import { writeFileSync } from 'node:fs';
import { GGUFValueType, serializeGgufMetadata, type GGUFTypedMetadata } from '@huggingface/gguf';
import { defaultCapabilities, type ModelEntry } from '../../../src/registry';

export function entry(name: string, version: string, overrides: Partial<ModelEntry> = {}): ModelEntry {
  return {
    name,
    version,
    aliases: [],
    tags: [],
    upstream: 'llamacpp',
    upstreamModel: name,
    capabilities: { ...defaultCapabilities },
    priority: 'standard',
    pinned: false,
    status: 'active',
    origin: 'store',
    ...overrides,
  };
}

export function writeTinyGguf(
  path: string,
  { contextLength = 2048, padding = 4096, chatTemplate }: { contextLength?: number; padding?: number; chatTemplate?: string } = {},
): void {
  const u32 = (value: number) => ({ value, type: GGUFValueType.UINT32 });
  const template = chatTemplate === undefined ? {} : { 'tokenizer.chat_template': { value: chatTemplate, type: GGUFValueType.STRING } };
  const entries = {
    ...template,
    'general.architecture': { value: 'llama', type: GGUFValueType.STRING },
    'general.name': { value: 'Tiny Test', type: GGUFValueType.STRING },
    'general.license': { value: 'mit', type: GGUFValueType.STRING },
    'general.file_type': u32(3),
    'llama.context_length': u32(contextLength),
    'llama.block_count': u32(4),
    'llama.embedding_length': u32(256),
    'llama.attention.head_count': u32(8),
    'llama.attention.head_count_kv': u32(2),
  };
  const metadata = {
    version: { value: 3, type: GGUFValueType.UINT32 },
    tensor_count: { value: 0n, type: GGUFValueType.UINT64 },
    kv_count: { value: BigInt(Object.keys(entries).length), type: GGUFValueType.UINT64 },
    ...entries,
  } as unknown as GGUFTypedMetadata;
  writeFileSync(path, Buffer.concat([Buffer.from(serializeGgufMetadata(metadata)), Buffer.alloc(padding, 7)]));
}
