// Token counts remembered per text, cheap enough for every request: a numeric fingerprint of the
// text (its length and some sampled characters) finds a small bucket, and the text itself confirms
// the entry. Hashing whole texts is what a Map keyed by strings would do, and for a 100-message
// conversation that alone costs more than the 50 µs the request path allows (bench/README.md);
// comparing two equal strings is a memory compare, several times faster. Texts that share a
// fingerprint share its bucket. Two generations of maps bound the memory: when the young one is
// full it becomes the old one, and what was not used since goes.

interface Entry {
  text: string;
  tokens: number;
}

/** Characters sampled across the text besides its length, its first and its last few. */
const SAMPLES = 16;
const ENDS = 12;
/** Texts kept per fingerprint. */
const BUCKET = 4;

export function fingerprint(text: string): number {
  const n = text.length;
  let h = n | 0;
  if (n <= SAMPLES + 2 * ENDS) {
    for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
    return h;
  }
  // Messages often differ only near their start ("Turn 12:") or end; the middle is sampled.
  for (let i = 0; i < ENDS; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  const step = (n - 2 * ENDS) / SAMPLES;
  for (let k = 0; k < SAMPLES; k++) h = (Math.imul(h, 31) + text.charCodeAt(ENDS + ((k * step) | 0))) | 0;
  for (let i = n - ENDS; i < n; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

function find(bucket: Entry[] | undefined, text: string): Entry | undefined {
  if (bucket === undefined) return undefined;
  for (const e of bucket) if (e.text === text) return e;
  return undefined;
}

export class TextCounts {
  private young = new Map<number, Entry[]>();
  private old = new Map<number, Entry[]>();
  private youngEntries = 0;

  constructor(private readonly maxEntries: number) {}

  get(text: string): number | undefined {
    const fp = fingerprint(text);
    const hit = find(this.young.get(fp), text);
    if (hit) return hit.tokens;
    const e = find(this.old.get(fp), text);
    if (!e) return undefined;
    this.add(fp, e);
    return e.tokens;
  }

  has(text: string): boolean {
    return this.get(text) !== undefined;
  }

  set(text: string, tokens: number): void {
    const fp = fingerprint(text);
    const e = find(this.young.get(fp), text);
    if (e) e.tokens = tokens;
    else this.add(fp, { text, tokens });
  }

  get size(): number {
    let n = 0;
    for (const b of this.old.values()) n += b.length;
    return n + this.youngEntries;
  }

  private add(fp: number, e: Entry): void {
    const bucket = this.young.get(fp);
    if (!bucket) this.young.set(fp, [e]);
    else if (bucket.push(e) > BUCKET) bucket.shift();
    else this.youngEntries++;
    if (!bucket) this.youngEntries++;
    if (this.youngEntries >= this.maxEntries / 2) {
      this.old = this.young;
      this.young = new Map();
      this.youngEntries = 0;
    }
  }
}
