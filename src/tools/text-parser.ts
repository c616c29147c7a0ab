// Tool calls in a model's free text, read as it streams. Content is released up to the first place
// a tool-call syntax could begin: a partial tag at the end of what arrived is held back, never
// emitted and then retracted (Ollama's suffix-overlap check). A region that opened is buffered
// until it closes, then read as calls (regions.ts). The same parser reads whole answers: one push,
// then end.
import { checkCalls } from './calls';
import type { ToolCatalog } from './catalog';
import type { CallIds } from './ids';
import { JsonEnd } from './json-text';
import { isExplicit, readRegion, type RegionKind } from './regions';
import type { TextEvent } from './types';

interface Trigger {
  open: string;
  kind: RegionKind;
  /** The closing tag; the region otherwise ends where its JSON does, or at the end of the output. */
  close?: string;
}

// The syntaxes of ../shared/reference/subsystems.md §4.4 that a parser can recognise by a tag.
const triggers: readonly Trigger[] = [
  { open: '<tool_call>', kind: 'tagged', close: '</tool_call>' },
  { open: '<function_call>', kind: 'tagged', close: '</function_call>' },
  { open: '[TOOL_REQUEST]', kind: 'tagged', close: '[END_TOOL_REQUEST]' },
  { open: '<function=', kind: 'function', close: '</function>' },
  { open: '[TOOL_CALLS]', kind: 'mistral' },
  { open: '<|python_tag|>', kind: 'python', close: '<|eom_id|>' },
  { open: '```', kind: 'fence' },
];
const leadTrigger: Trigger = { open: '', kind: 'lead' };
const firstChars = /[<[`]/g;
/** Info strings of a code fence that may hold a call; any other language is code, shown as it streams. */
const callFences = new Set(['', 'json', 'jsonc', 'json5', 'tool_call', 'tool_code', 'tool', 'function_call']);

interface Region {
  trigger: Trigger;
  /** Where the region's raw text starts (shown as content if it holds no call). */
  start: number;
  bodyFrom: number;
  /** Where to look for the closing tag next. */
  searchFrom: number;
  json?: JsonEnd;
  /** Fences: where the body starts once the info string is read. */
  fenceBody?: number;
}

export interface TextParserOptions {
  catalog: ToolCatalog;
  ids: CallIds;
}

export class ToolTextParser {
  /** Everything the model wrote so far. */
  private text = '';
  /** Text before this index is settled: shown as content or read as a region. */
  private settled = 0;
  private scanFrom = 0;
  /** Nothing but whitespace so far: a JSON value here is a call (Llama 3.x, llama.cpp's rule). */
  private atStart = true;
  private region: Region | undefined;
  /** Inside a code fence that holds no call: only its closing fence matters. */
  private codeFrom = -1;
  /** Calls accepted after a fix, for the repair metric. */
  repairs = 0;
  private readonly catalog: ToolCatalog;
  private readonly ids: CallIds;

  constructor({ catalog, ids }: TextParserOptions) {
    this.catalog = catalog;
    this.ids = ids;
  }

  /** The events `piece` completes. */
  push(piece: string): TextEvent[] {
    const events: TextEvent[] = [];
    if (piece === '') return events;
    this.text += piece;
    this.advance(events);
    return events;
  }

  /**
   * Settles what is left at the end of the output. `truncated` (finish_reason `length`) means an
   * unclosed region was cut off: it is not repaired into a call that only looks complete.
   */
  end(truncated = false): TextEvent[] {
    const events: TextEvent[] = [];
    if (this.region) this.closeRegion(this.region, this.text.length, this.text.length, events, truncated);
    this.region = undefined;
    this.content(this.text.length, events);
    return events;
  }

  private content(to: number, events: TextEvent[]): void {
    if (to <= this.settled) return;
    const text = this.text.slice(this.settled, to);
    this.settled = to;
    const last = events.at(-1);
    if (last?.type === 'content') last.text += text;
    else events.push({ type: 'content', text });
  }

  private advance(events: TextEvent[]): void {
    for (;;) {
      if (this.region) {
        if (!this.regionStep(this.region, events)) return;
        continue;
      }
      if (this.codeFrom >= 0) {
        if (!this.codeStep(events)) return;
        continue;
      }
      if (this.atStart) {
        const at = firstNonSpace(this.text, this.settled);
        if (at < 0) return;
        const c = this.text[at];
        const tag = c === '[' ? bracketTag(this.text, at) : 'none';
        if (tag === 'maybe') return;
        this.atStart = false;
        if (c === '{' || (c === '[' && tag === 'none')) {
          this.region = { trigger: leadTrigger, start: this.settled, bodyFrom: this.settled, searchFrom: at, json: new JsonEnd(at) };
          continue;
        }
        this.scanFrom = this.settled;
      }
      this.textStep(events);
      return;
    }
  }

  /** Plain text: release content up to the next tag, or up to a tag that may be starting. */
  private textStep(events: TextEvent[]): void {
    const text = this.text;
    firstChars.lastIndex = this.scanFrom;
    for (let m = firstChars.exec(text); m; m = firstChars.exec(text)) {
      const i = m.index;
      for (const t of triggers) {
        if (text.startsWith(t.open, i)) {
          this.content(i, events);
          this.region = { trigger: t, start: i, bodyFrom: i + t.open.length, searchFrom: i + t.open.length };
          this.advance(events);
          return;
        }
        if (text.length - i < t.open.length && t.open.startsWith(text.slice(i))) {
          // The output ends inside what may be this tag: hold it back until the next piece says.
          this.content(i, events);
          this.scanFrom = i;
          return;
        }
      }
    }
    this.content(text.length, events);
    this.scanFrom = text.length;
  }

  /** Returns true when the region closed (and parsing goes on after it). */
  private regionStep(r: Region, events: TextEvent[]): boolean {
    const text = this.text;
    const { trigger } = r;
    if (trigger.kind === 'fence') return this.fenceStep(r, events);
    if (r.json || trigger.kind === 'mistral') {
      if (!r.json) {
        const open = jsonStart(text, r.bodyFrom);
        if (open < 0) return false;
        r.json = new JsonEnd(open);
      }
      const end = r.json.scan(text);
      if (end < 0) return false;
      this.closeRegion(r, end, end, events, false);
      return true;
    }
    const close = trigger.close!;
    const closeAt = text.indexOf(close, r.searchFrom);
    // A second opening tag before any closing one: the model forgot to close the first.
    const reopenAt = trigger.kind === 'tagged' ? text.indexOf(trigger.open, r.searchFrom) : -1;
    if (reopenAt >= 0 && (closeAt < 0 || reopenAt < closeAt)) {
      this.closeRegion(r, reopenAt, reopenAt, events, false);
      return true;
    }
    if (closeAt >= 0) {
      this.closeRegion(r, closeAt, closeAt + close.length, events, false);
      return true;
    }
    r.searchFrom = Math.max(r.bodyFrom, text.length - Math.max(close.length, trigger.open.length) + 1);
    return false;
  }

  /**
   * A code fence: its info string and first character decide. JSON-like fences are held until they
   * close and read as calls; anything else is code, released as it streams.
   */
  private fenceStep(r: Region, events: TextEvent[]): boolean {
    const text = this.text;
    if (r.fenceBody === undefined) {
      const nl = text.indexOf('\n', r.bodyFrom);
      if (nl < 0) {
        // No info string is this long: an inline run of backticks.
        if (text.length - r.bodyFrom <= 32) return false;
        this.toCode(r);
        return true;
      }
      if (!callFences.has(text.slice(r.bodyFrom, nl).trim().toLowerCase())) {
        this.toCode(r);
        return true;
      }
      r.fenceBody = nl + 1;
    }
    if (r.searchFrom < r.fenceBody) {
      const at = firstNonSpace(text, r.fenceBody);
      if (at < 0) return false;
      if (text[at] !== '{' && text[at] !== '[') {
        this.toCode(r);
        return true;
      }
      r.searchFrom = at;
      r.json = new JsonEnd(at);
    }
    if (r.json) {
      // The closing fence comes after the JSON: backticks inside its strings do not close it.
      const end = r.json.scan(text);
      if (end < 0) return false;
      r.json = undefined;
      r.searchFrom = end;
    }
    const closeAt = text.indexOf('```', r.searchFrom);
    if (closeAt < 0) {
      r.searchFrom = Math.max(r.searchFrom, text.length - 2);
      return false;
    }
    this.closeRegion({ ...r, bodyFrom: r.fenceBody }, closeAt, closeAt + 3, events, false);
    return true;
  }

  private toCode(r: Region): void {
    this.region = undefined;
    this.codeFrom = r.bodyFrom;
  }

  /** Inside a code block: content streams; only a closing fence (or the start of one) is held. */
  private codeStep(events: TextEvent[]): boolean {
    const text = this.text;
    const closeAt = text.indexOf('```', this.codeFrom);
    if (closeAt < 0) {
      const hold = text.endsWith('``') ? 2 : text.endsWith('`') ? 1 : 0;
      this.codeFrom = Math.max(this.codeFrom, text.length - hold);
      this.content(text.length - hold, events);
      return false;
    }
    this.content(closeAt + 3, events);
    this.codeFrom = -1;
    this.scanFrom = this.settled;
    return true;
  }

  /** Reads the region's body (`bodyTo` is where it stops) and settles its raw text up to `end`. */
  private closeRegion(r: Region, bodyTo: number, end: number, events: TextEvent[], truncated: boolean): void {
    this.region = undefined;
    const { kind } = r.trigger;
    const raw = this.text.slice(r.start, end);
    const reading = truncated ? undefined : readRegion(kind, this.text.slice(r.fenceBody ?? r.bodyFrom, bodyTo), this.catalog);
    if (!reading) {
      if (isExplicit(kind)) {
        this.settled = end;
        const reason = truncated ? 'the call was cut off (max_tokens)' : 'no call could be read';
        events.push({ type: 'invalid', invalid: { raw, reason } });
      } else this.content(end, events);
      this.scanFrom = this.settled;
      return;
    }
    const checked = checkCalls(reading.raws, this.catalog, this.ids, reading.repaired);
    if (checked.calls.length === 0 && !isExplicit(kind)) {
      // Call-shaped JSON naming no declared tool, outside any tool syntax: the model's data.
      if (checked.failures.every((f) => f.name === undefined)) {
        this.content(end, events);
        this.scanFrom = this.settled;
        return;
      }
    }
    this.settled = end;
    this.scanFrom = end;
    this.repairs += checked.repairs;
    for (const call of checked.calls) events.push({ type: 'call', call });
    if (checked.failures.length) {
      const reason = checked.failures.map((f) => f.reason).join('; ');
      events.push({ type: 'invalid', invalid: { raw, reason, name: checked.failures.find((f) => f.name)?.name } });
    }
    // After a call in leading JSON, a further JSON value is another call (`{…}; {…}`).
    if (kind === 'lead' && checked.calls.length) this.atStart = true;
  }
}

/** Whether the `[` at `at` opens a tag (`[TOOL_CALLS]`), may still turn out to, or is JSON. */
function bracketTag(text: string, at: number): 'tag' | 'maybe' | 'none' {
  for (const t of triggers) {
    if (t.open[0] !== '[') continue;
    if (text.startsWith(t.open, at)) return 'tag';
    if (text.length - at < t.open.length && t.open.startsWith(text.slice(at))) return 'maybe';
  }
  return 'none';
}

function firstNonSpace(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Whitespace, and the `;`/`,` Llama 3.x models put between calls.
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0x3b && c !== 0x2c) return i;
  }
  return -1;
}

function jsonStart(text: string, from: number): number {
  const at = firstNonSpace(text, from);
  if (at < 0) return -1;
  const c = text[at];
  if (c === '[' || c === '{') return at;
  // Mistral v11: `name[ARGS]{…}`; the arguments object is what ends the region.
  const args = text.indexOf('[ARGS]', at);
  const brace = text.indexOf('{', at);
  if (args >= 0) return text.indexOf('{', args) >= 0 ? text.indexOf('{', args) : -1;
  return brace;
}
