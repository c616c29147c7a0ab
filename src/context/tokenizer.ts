// The Tokenizer port: how the context step counts what the runtime will see. Adapters satisfy it
// structurally: the runtime's own endpoints (src/upstreams: llama.cpp /tokenize + /apply-template,
// llama-cpp-python /extras/tokenize/count), the model's vocabulary and chat template read from its
// GGUF (local.ts), and the character estimate below for everything else.
import type { CountKind, Message } from './types';

export interface Tokenizer {
  readonly kind: CountKind;
  /** Tokens of each text on its own: no BOS, no template around it. */
  countTexts(texts: readonly string[]): Promise<number[]>;
  /**
   * Tokens of the whole prompt as the runtime builds it (chat template, tool definitions, BOS).
   * Absent when the template is not known; undefined when it cannot be rendered right now.
   */
  countPrompt?(messages: readonly Message[], tools: readonly unknown[] | undefined): Promise<number | undefined>;
}

/**
 * Tokens a text would take by the usual rule of thumb: about 3.6 ASCII characters per token for
 * English prose and code (3.2–3.8 by the peers' figures, §4.2 of the reference notes), and one token
 * per other character, since BPE vocabularies trained on English split accents and CJK finely.
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) ascii++;
    else if (c < 0xdc00 || c > 0xdfff) other++;
  }
  return Math.ceil(ascii / 3.6 + other);
}

/** The fallback tokenizer: the estimate above, corrected per model by calibration (counter.ts). */
export const estimateTokenizer: Tokenizer = {
  kind: 'estimate',
  countTexts: async (texts) => texts.map(estimateTokens),
};

/** UTF-8 bytes of a text: no byte-level BPE or byte-fallback vocabulary makes more tokens than that. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
