// JSON as small models write it: found by balanced brackets in free text, parsed strictly when it
// is well-formed and repaired when it is not (jsonrepair: single quotes, trailing commas, missing
// closing brackets; partial-json for a value cut off mid-way).
import { jsonrepair } from 'jsonrepair';
import { Allow, parse as parsePartial } from 'partial-json';

/** A parsed value, and whether it needed repair to parse. */
export type Lenient = { ok: true; value: unknown; repaired: boolean } | { ok: false };

export function parseLenient(text: string): Lenient {
  try {
    return { ok: true, value: JSON.parse(text), repaired: false };
  } catch {}
  try {
    return { ok: true, value: JSON.parse(jsonrepair(text)), repaired: true };
  } catch {}
  try {
    const value: unknown = parsePartial(text, Allow.ALL);
    return value === undefined ? { ok: false } : { ok: true, value, repaired: true };
  } catch {
    return { ok: false };
  }
}

/**
 * Finds where a JSON object or array ends, fed a growing text: it remembers how far it scanned, so
 * a stream is scanned once in total however it is chunked.
 */
export class JsonEnd {
  private pos: number;
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** `start` is the index of the opening `{` or `[`. */
  constructor(start: number) {
    this.pos = start;
  }

  /** The index just past the closing bracket, or -1 while the value is still open. */
  scan(text: string): number {
    for (let i = this.pos; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth <= 0) {
          this.pos = i + 1;
          return i + 1;
        }
      }
    }
    this.pos = text.length;
    return -1;
  }
}

/** The values of the JSON objects and arrays in `text`, in order; text between them is ignored. */
export function jsonValuesIn(text: string): { values: unknown[]; repaired: boolean; rest: string } {
  const values: unknown[] = [];
  let repaired = false;
  let rest = '';
  let i = 0;
  while (i < text.length) {
    const open = firstBracket(text, i);
    if (open < 0) {
      rest += text.slice(i);
      break;
    }
    rest += text.slice(i, open);
    const end = new JsonEnd(open).scan(text);
    const slice = text.slice(open, end < 0 ? text.length : end);
    const parsed = parseLenient(slice);
    if (parsed.ok) {
      values.push(parsed.value);
      repaired ||= parsed.repaired;
    } else rest += slice;
    if (end < 0) break;
    i = end;
  }
  return { values, repaired, rest };
}

function firstBracket(text: string, from: number): number {
  const a = text.indexOf('{', from);
  const b = text.indexOf('[', from);
  if (a < 0) return b;
  if (b < 0) return a;
  return Math.min(a, b);
}
