// Byte-level BPE counting (`tokenizer.ggml.model: gpt2`) as llama.cpp's llm_tokenizer_bpe does it:
// the text is split by the vocabulary's pre-tokenizer expressions (llama-vocab.cpp, per
// `tokenizer.ggml.pre`), each word's bytes are mapped to GPT-2's printable characters, and merges
// are applied lowest rank first.
import type { GgufVocab } from './vocab';

const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const LLAMA3 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** llama.cpp's expressions per pre-tokenizer, applied one after the other. */
const PRE: Record<string, readonly string[]> = {
  default: ['[\\p{P}\\$\\+<=>\\^~\\|]+', GPT2, '\\p{N}+', '[0-9][0-9][0-9]'],
  gpt2: [GPT2],
  mpt: [GPT2],
  olmo: [GPT2],
  smollm: ['\\p{N}', GPT2],
  starcoder: ['\\p{N}', GPT2],
  refact: ['\\p{N}', GPT2],
  'command-r': ['\\p{N}', GPT2],
  codeshell: ['\\p{N}', GPT2],
  'llama-bpe': [LLAMA3],
  llama3: [LLAMA3],
  qwen2: [QWEN2],
};

/** Pre-tokenizers whose whole words skip merging when the vocabulary has them (llama.cpp `ignore_merges`). */
const IGNORE_MERGES = new Set(['llama-bpe', 'llama3']);

/** GPT-2's bytes_to_unicode: every byte as a printable character. */
function byteCharacters(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCharCode(printable(b) ? b : 256 + extra++));
  return out;
}

const BYTE_CHARS = byteCharacters();
const encoder = new TextEncoder();
/** Words whose counts are remembered; cleared when full (words repeat across a conversation). */
const WORD_CACHE = 50_000;

/** Splits `pieces` by `re`: matches and the text between them, in order (llama.cpp unicode_regex_split). */
function splitBy(pieces: readonly string[], re: RegExp): string[] {
  const out: string[] = [];
  for (const piece of pieces) {
    let last = 0;
    re.lastIndex = 0;
    for (let m = re.exec(piece); m !== null; m = re.exec(piece)) {
      if (m[0] === '') {
        re.lastIndex++;
        continue;
      }
      if (m.index > last) out.push(piece.slice(last, m.index));
      out.push(m[0]);
      last = m.index + m[0].length;
    }
    if (last < piece.length) out.push(piece.slice(last));
  }
  return out;
}

export class BpeCounter {
  private readonly ranks = new Map<string, number>();
  private readonly vocab: Set<string>;
  private readonly expressions: RegExp[];
  private readonly ignoreMerges: boolean;
  private readonly words = new Map<string, number>();

  private constructor(v: GgufVocab, expressions: readonly string[]) {
    for (let rank = 0; rank < v.merges.length; rank++) this.ranks.set(v.merges[rank]!, rank);
    this.vocab = new Set(v.tokens);
    this.expressions = expressions.map((e) => new RegExp(e, 'gu'));
    this.ignoreMerges = IGNORE_MERGES.has(v.pre);
  }

  /** A counter for the vocabulary, or undefined when its pre-tokenizer is not one Aegis knows. */
  static create(v: GgufVocab): BpeCounter | undefined {
    const expressions = PRE[v.pre];
    return expressions ? new BpeCounter(v, expressions) : undefined;
  }

  /** Tokens of a text without special tokens. */
  count(text: string): number {
    let pieces = [text];
    for (const re of this.expressions) pieces = splitBy(pieces, re);
    let n = 0;
    for (const word of pieces) n += this.word(word);
    return n;
  }

  private word(word: string): number {
    const known = this.words.get(word);
    if (known !== undefined) return known;
    let mapped = '';
    for (const b of encoder.encode(word)) mapped += BYTE_CHARS[b];
    const n = this.ignoreMerges && this.vocab.has(mapped) ? 1 : this.merge(mapped);
    if (this.words.size >= WORD_CACHE) this.words.clear();
    this.words.set(word, n);
    return n;
  }

  /** Merges lowest rank first (leftmost on ties); the number of symbols left is the count. */
  private merge(mapped: string): number {
    const syms = [...mapped];
    while (syms.length > 1) {
      let best = Number.POSITIVE_INFINITY;
      let at = -1;
      for (let i = 0; i < syms.length - 1; i++) {
        const r = this.ranks.get(`${syms[i]} ${syms[i + 1]}`);
        if (r !== undefined && r < best) {
          best = r;
          at = i;
        }
      }
      if (at < 0) break;
      syms[at] += syms[at + 1]!;
      syms.splice(at + 1, 1);
    }
    let n = 0;
    // A symbol the vocabulary lacks goes out byte by byte (never for a complete byte-level vocabulary).
    for (const s of syms) n += this.vocab.has(s) ? 1 : s.length;
    return n;
  }
}
