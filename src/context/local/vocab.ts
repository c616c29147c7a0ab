// A model's vocabulary as its GGUF header describes it (`tokenizer.ggml.*`, llama.cpp's keys),
// read from the plain key/value record src/registry's reader produces.

/** llama.cpp's token types (llama_token_type): 3 control, 4 user-defined, 6 byte. */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface GgufVocab {
  /** `gpt2`: byte-level BPE with merges; `llama`: SentencePiece with scores. */
  model: 'gpt2' | 'llama';
  /** The pre-tokenizer name (`tokenizer.ggml.pre`) for BPE vocabularies. */
  pre: string;
  tokens: readonly string[];
  types: readonly number[];
  /** BPE merges, `left right`, in rank order. */
  merges: readonly string[];
  /** SentencePiece scores, one per token. */
  scores: ArrayLike<number>;
  bos?: string;
  eos?: string;
  addBos: boolean;
  addSpacePrefix: boolean;
  chatTemplate?: string;
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined);
const numbers = (v: unknown): number[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined);

/** The vocabulary of a GGUF header; undefined for tokenizer kinds Aegis does not implement. */
export function vocabFromMetadata(m: Readonly<Record<string, unknown>>): GgufVocab | undefined {
  const model = m['tokenizer.ggml.model'];
  const tokens = strings(m['tokenizer.ggml.tokens']);
  if ((model !== 'gpt2' && model !== 'llama') || !tokens) return undefined;
  const types = numbers(m['tokenizer.ggml.token_type']) ?? tokens.map(() => TOKEN_TYPE.normal);
  const merges = strings(m['tokenizer.ggml.merges']) ?? [];
  const scores = numbers(m['tokenizer.ggml.scores']) ?? [];
  if (model === 'gpt2' && merges.length === 0) return undefined;
  if (model === 'llama' && scores.length !== tokens.length) return undefined;
  const token = (key: string): string | undefined => {
    const id = num(m[key]);
    return id === undefined ? undefined : tokens[id];
  };
  const template = m['tokenizer.chat_template'];
  return {
    model,
    pre: typeof m['tokenizer.ggml.pre'] === 'string' ? m['tokenizer.ggml.pre'] : 'default',
    tokens,
    types,
    merges,
    scores: Float64Array.from(scores),
    bos: token('tokenizer.ggml.bos_token_id'),
    eos: token('tokenizer.ggml.eos_token_id'),
    // llama.cpp's defaults: SentencePiece vocabularies add BOS and a space prefix unless told otherwise.
    addBos: typeof m['tokenizer.ggml.add_bos_token'] === 'boolean' ? m['tokenizer.ggml.add_bos_token'] : model === 'llama',
    addSpacePrefix: typeof m['tokenizer.ggml.add_space_prefix'] === 'boolean' ? m['tokenizer.ggml.add_space_prefix'] : model === 'llama',
    chatTemplate: typeof template === 'string' && template !== '' ? template : undefined,
  };
}
