// Special tokens cut out of a text before the vocabulary's own algorithm runs, as llama.cpp's
// `tokenizer_st_partition` does: control and user-defined tokens are matched as whole tokens
// (runtimes parse special tokens in chat prompts). llama.cpp tries the longest tokens first over
// the whole text; here the longest match wins at the leftmost position, which differs only for
// overlapping special tokens.
//
// Ollama's own engine (models it runs without llama.cpp, such as Gemma 3) splits on each special
// token in vocabulary order instead, so where special tokens overlap (Gemma's "\n" and "\n\n", its
// runs of spaces) the one with the lower id wins, and text splits into more, shorter tokens.
import { TOKEN_TYPE, type GgufVocab } from './vocab';

export type Piece = { special: true } | { special: false; text: string };

/** Which special token wins where several match: llama.cpp's longest, or Ollama's engine's lowest id. */
export type SpecialOrder = 'longest' | 'vocabulary';

export class SpecialTokens {
  /** Each special token, with its rank for the `vocabulary` order: its first id. */
  private readonly rank = new Map<string, number>();
  /** Candidate lengths (longest first) by first character. */
  private readonly lengths = new Map<string, number[]>();
  /** Second characters seen after each first character, to skip most positions at once. */
  private readonly seconds = new Map<string, Set<string>>();

  constructor(
    vocab: GgufVocab,
    private readonly order: SpecialOrder = 'longest',
  ) {
    vocab.tokens.forEach((t, id) => {
      const type = vocab.types[id];
      // Ollama's engine cuts out control and user-defined tokens only; llama.cpp the unknown token too.
      const special = type === TOKEN_TYPE.control || type === TOKEN_TYPE.userDefined || (order === 'longest' && type === TOKEN_TYPE.unknown);
      if (t === '' || !special) return;
      if (!this.rank.has(t)) this.rank.set(t, id);
      const first = t[0]!;
      const lens = this.lengths.get(first) ?? [];
      if (!lens.includes(t.length)) lens.push(t.length);
      this.lengths.set(first, lens);
      const seconds = this.seconds.get(first) ?? new Set<string>();
      seconds.add(t.length > 1 ? t[1]! : '');
      this.seconds.set(first, seconds);
    });
    for (const lens of this.lengths.values()) lens.sort((a, b) => b - a);
  }

  /** The text as plain pieces and special tokens, in order. */
  split(text: string): Piece[] {
    return this.order === 'longest' ? this.splitLongest(text) : this.splitByRank(text);
  }

  /** The lengths a special token starting at `i` may have, longest first; none for most positions. */
  private candidates(text: string, i: number): readonly number[] {
    const lens = this.lengths.get(text[i]!);
    if (!lens) return NONE;
    const seconds = this.seconds.get(text[i]!)!;
    return seconds.has(text[i + 1] ?? '') || seconds.has('') ? lens : NONE;
  }

  /** llama.cpp: at each position the longest special token that matches there. */
  private splitLongest(text: string): Piece[] {
    const spans: [number, number][] = [];
    for (let i = 0; i < text.length; i++) {
      for (const len of this.candidates(text, i)) {
        if (i + len <= text.length && this.rank.has(text.slice(i, i + len))) {
          spans.push([i, i + len]);
          i += len - 1;
          break;
        }
      }
    }
    return pieces(text, spans);
  }

  /**
   * Ollama's engine: token by token in vocabulary order, each occurrence (leftmost first) that lies
   * in text no earlier token took becomes that token.
   */
  private splitByRank(text: string): Piece[] {
    const found: [number, number, number][] = [];
    for (let i = 0; i < text.length; i++) {
      for (const len of this.candidates(text, i)) {
        const rank = i + len <= text.length ? this.rank.get(text.slice(i, i + len)) : undefined;
        if (rank !== undefined) found.push([i, i + len, rank]);
      }
    }
    found.sort((a, b) => a[2] - b[2] || a[0] - b[0]);
    const taken = new Uint8Array(text.length);
    const spans: [number, number][] = [];
    for (const [start, end] of found) {
      let free = true;
      for (let k = start; k < end && free; k++) free = taken[k] === 0;
      if (!free) continue;
      taken.fill(1, start, end);
      spans.push([start, end]);
    }
    return pieces(
      text,
      spans.sort((a, b) => a[0] - b[0]),
    );
  }
}

const NONE: readonly number[] = [];

/** The text cut at the special tokens' spans (in order, not overlapping). */
function pieces(text: string, spans: readonly [number, number][]): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const [start, end] of spans) {
    if (start > at) out.push({ special: false, text: text.slice(at, start) });
    out.push({ special: true });
    at = end;
  }
  if (at < text.length) out.push({ special: false, text: text.slice(at) });
  return out;
}
