// Special tokens cut out of a text before the vocabulary's own algorithm runs, as llama.cpp's
// `tokenizer_st_partition` does: control and user-defined tokens are matched as whole tokens
// (runtimes parse special tokens in chat prompts). llama.cpp tries the longest tokens first over
// the whole text; here the longest match wins at the leftmost position, which differs only for
// overlapping special tokens.
import { TOKEN_TYPE, type GgufVocab } from './vocab';

export type Piece = { special: true } | { special: false; text: string };

export class SpecialTokens {
  private readonly set = new Set<string>();
  /** Candidate lengths (longest first) by first character. */
  private readonly lengths = new Map<string, number[]>();
  /** Second characters seen after each first character, to skip most positions at once. */
  private readonly seconds = new Map<string, Set<string>>();

  constructor(vocab: GgufVocab) {
    vocab.tokens.forEach((t, id) => {
      const type = vocab.types[id];
      if (t === '' || (type !== TOKEN_TYPE.control && type !== TOKEN_TYPE.userDefined && type !== TOKEN_TYPE.unknown)) return;
      this.set.add(t);
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
    const out: Piece[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const lens = this.lengths.get(text[i]!);
      if (!lens) continue;
      const seconds = this.seconds.get(text[i]!)!;
      if (!seconds.has(text[i + 1] ?? '') && !seconds.has('')) continue;
      for (const len of lens) {
        if (i + len <= text.length && this.set.has(text.slice(i, i + len))) {
          if (i > start) out.push({ special: false, text: text.slice(start, i) });
          out.push({ special: true });
          start = i + len;
          i = start - 1;
          break;
        }
      }
    }
    if (start < text.length) out.push({ special: false, text: text.slice(start) });
    return out;
  }
}
