// SentencePiece counting (`tokenizer.ggml.model: llama`) as llama.cpp's llm_tokenizer_spm does it:
// spaces become ▁, characters merge pairwise, highest score first (leftmost on ties), while the
// merged text is a token; what never became a token falls back to its UTF-8 bytes.
import type { GgufVocab } from './vocab';

interface Sym {
  text: string;
  prev: number;
  next: number;
}

interface Bigram {
  left: number;
  right: number;
  score: number;
  text: string;
}

/** A binary max-heap of bigrams: highest score first, leftmost on ties. */
class BigramHeap {
  private readonly items: Bigram[] = [];
  private before(a: Bigram, b: Bigram): boolean {
    return a.score > b.score || (a.score === b.score && a.left < b.left);
  }
  get size(): number {
    return this.items.length;
  }
  push(b: Bigram): void {
    const h = this.items;
    h.push(b);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): Bigram {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

const encoder = new TextEncoder();

export class SpmCounter {
  private readonly ids = new Map<string, number>();

  /**
   * `wholeFirst`: a text that is one token as a whole counts 1 before any merging (Ollama's engine),
   * even where pairwise merges could not reach it.
   */
  constructor(
    private readonly v: GgufVocab,
    private readonly wholeFirst = false,
  ) {
    v.tokens.forEach((t, id) => {
      if (!this.ids.has(t)) this.ids.set(t, id);
    });
  }

  /** Tokens of a text without special tokens; `first` says whether it opens the prompt (space prefix). */
  count(raw: string, first: boolean): number {
    const text = ((this.v.addSpacePrefix && first ? ' ' : '') + raw).replaceAll(' ', '\u2581');
    if (this.wholeFirst && this.ids.has(text)) return 1;
    const syms: Sym[] = [];
    let i = 0;
    for (const ch of text) {
      syms.push({ text: ch, prev: i - 1, next: i + 1 });
      i++;
    }
    if (syms.length === 0) return 0;
    syms[syms.length - 1]!.next = -1;
    const heap = new BigramHeap();
    const tryAdd = (left: number, right: number) => {
      if (left < 0 || right < 0) return;
      const joined = syms[left]!.text + syms[right]!.text;
      const id = this.ids.get(joined);
      if (id === undefined) return;
      heap.push({ left, right, score: this.v.scores[id]!, text: joined });
    };
    for (let k = 1; k < syms.length; k++) tryAdd(k - 1, k);
    while (heap.size > 0) {
      const b = heap.pop();
      const l = syms[b.left]!;
      const r = syms[b.right]!;
      if (l.text === '' || r.text === '' || l.text + r.text !== b.text) continue;
      l.text = b.text;
      r.text = '';
      l.next = r.next;
      if (r.next >= 0) syms[r.next]!.prev = b.left;
      tryAdd(l.prev, b.left);
      tryAdd(b.left, l.next);
    }
    // Merges only ever make tokens, so a final symbol is a token or a single character the
    // vocabulary lacks, which llama.cpp's resegment sends as its UTF-8 bytes (<0xXX> tokens).
    let n = 0;
    for (let k = 0; k !== -1; k = syms[k]!.next) {
      const t = syms[k]!.text;
      n += this.ids.has(t) ? 1 : encoder.encode(t).length;
    }
    return n;
  }
}
