// What a GGUF header tells the registry: architecture, quantization, parameter count, context
// length, license. The memory footprint comes from the scheduler's estimate (see gguf-import.ts).
import { basename } from 'node:path';
import { GGMLFileQuantizationType, parseGGUFQuantLabel } from '@huggingface/gguf';
import type { GgufHeader } from './gguf-header';
import type { GgufFacts } from './types';

export interface GgufHeaderFacts extends GgufFacts {
  /** `general.name`. */
  displayName?: string;
  license?: string;
  /** True when the header describes an embedding model (it declares a pooling type). */
  embedding: boolean;
  /** The chat template renders OpenAI tools (`{% if tools %}`…): the runtime can take them natively. */
  toolTemplate: boolean;
}

/**
 * Whether a Jinja chat template uses the `tools` variable inside a tag, as llama.cpp and
 * llama-cpp-python look for before rendering tools with the model's own template.
 */
export function templateRendersTools(template: unknown): boolean {
  return typeof template === 'string' && /\{[%{][^}]*\btools\b/.test(template);
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function factsFromHeader({ metadata: m, path, parameterCount }: GgufHeader): GgufHeaderFacts {
  const arch = str(m['general.architecture']);
  const key = (k: string): unknown => (arch ? m[`${arch}.${k}`] : undefined);
  const fileType = num(m['general.file_type']);
  const fromType = fileType === undefined ? undefined : GGMLFileQuantizationType[fileType];
  return {
    architecture: arch,
    quantization: fromType ?? parseGGUFQuantLabel(basename(path)),
    parameterCount,
    contextLength: num(key('context_length')),
    displayName: str(m['general.name']),
    license: str(m['general.license']),
    embedding: key('pooling_type') !== undefined,
    toolTemplate: templateRendersTools(m['tokenizer.chat_template']),
  };
}
