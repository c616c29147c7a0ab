// The answer of a constrained call, read as it streams. Under the schema of schema.ts the model
// writes `{"tool_calls": [{"name": …, "arguments": {…}}, …]}` or `{"response": "…"}`: the response
// string is decoded and released as content character by character, a call's name is released once
// its string closes, and its arguments as the raw JSON text arrives. The grammar makes every prefix
// of that text part of the final value, so nothing released is ever retracted (llama.cpp's rule:
// emit only the stable prefix). One pass over the text in total, whatever the chunking.

/** What the streamed JSON says, in order. */
export type ConstrainedEvent =
  | { type: 'content'; text: string }
  | { type: 'call'; index: number; name: string }
  | { type: 'arguments'; index: number; text: string };

type Frame = { type: 'object'; key: string | undefined; expectKey: boolean } | { type: 'array' };

/** What the string being read is. */
type StringRole = 'key' | 'content' | 'name' | 'other';

const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\r' || c === '\t';
const escapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export class ConstrainedParser {
  private text = '';
  private pos = 0;
  private readonly stack: Frame[] = [];
  private inString = false;
  private role: StringRole = 'other';
  /** The key or name being read. */
  private word = '';
  /** Pending escape: '' (none), '\\', or '\\u' and the hex digits read so far. */
  private escape = '';
  /** Content decoded in this push, released at its end. */
  private decoded = '';
  /** A high surrogate waiting for its pair (never released alone). */
  private highSurrogate = '';
  /** The arguments value being captured, by bracket depth. */
  private args: { depth: number; inString: boolean; escaped: boolean; from: number } | undefined;
  private calls = -1;
  /** Calls whose arguments are complete (the rest were cut off). */
  completed = 0;
  /** Whether the current call's name was released; arguments that come first wait for it. */
  private named = false;
  private earlyArgs = '';

  push(piece: string): ConstrainedEvent[] {
    const events: ConstrainedEvent[] = [];
    this.text += piece;
    const text = this.text;
    while (this.pos < text.length) {
      if (this.args) {
        this.captureArgs(events);
        continue;
      }
      const c = text[this.pos]!;
      this.pos++;
      if (this.inString) this.stringChar(c, events);
      else this.structureChar(c);
    }
    this.flushContent(events);
    return events;
  }

  /** Everything the model wrote, for the whole-value check at the end. */
  get output(): string {
    return this.text;
  }

  private get top(): Frame | undefined {
    return this.stack.at(-1);
  }

  /** The role a value starting now plays, from where it sits. */
  private valueRole(): 'content' | 'name' | 'arguments' | 'call' | 'other' {
    const depth = this.stack.length;
    const top = this.top;
    if (top?.type === 'object' && depth === 1 && top.key === 'response') return 'content';
    const root = this.stack[0];
    if (top?.type === 'array' && depth === 2 && root?.type === 'object' && root.key === 'tool_calls') return 'call';
    if (top?.type === 'object' && depth === 3 && this.stack[1]?.type === 'array') {
      if (top.key === 'name') return 'name';
      if (top.key === 'arguments') return 'arguments';
    }
    return 'other';
  }

  private structureChar(c: string): void {
    if (isSpace(c) || c === ':' || c === ',') {
      if (c === ',' && this.top?.type === 'object') this.top.expectKey = true;
      return;
    }
    const top = this.top;
    if (c === '"') {
      this.inString = true;
      this.word = '';
      if (top?.type === 'object' && top.expectKey) this.role = 'key';
      else {
        const role = this.valueRole();
        this.role = role === 'content' || role === 'name' ? role : 'other';
        if (role === 'arguments') this.startArgs(this.pos - 1);
      }
      return;
    }
    if (c === '{' || c === '[') {
      const role = this.valueRole();
      if (role === 'arguments') return this.startArgs(this.pos - 1);
      if (role === 'call') {
        this.calls++;
        this.named = false;
        this.earlyArgs = '';
      }
      this.stack.push(c === '{' ? { type: 'object', key: undefined, expectKey: true } : { type: 'array' });
      return;
    }
    if (c === '}' || c === ']') {
      this.stack.pop();
      return;
    }
    // A number, true, false or null.
    if (this.valueRole() === 'arguments') this.startArgs(this.pos - 1);
  }

  private stringChar(c: string, events: ConstrainedEvent[]): void {
    if (this.escape) {
      this.escape += c;
      if (this.escape.length === 2 && this.escape !== '\\u') this.take(escapes[c] ?? c);
      else if (this.escape.length === 6) this.take(String.fromCharCode(Number.parseInt(this.escape.slice(2), 16)));
      else return;
      this.escape = '';
      return;
    }
    if (c === '\\') {
      this.escape = '\\';
      return;
    }
    if (c !== '"') return this.take(c);
    this.inString = false;
    const top = this.top;
    if (this.role === 'key' && top?.type === 'object') {
      top.key = this.word;
      top.expectKey = false;
    } else if (this.role === 'name') {
      events.push({ type: 'call', index: this.calls, name: this.word });
      this.named = true;
      if (this.earlyArgs) events.push({ type: 'arguments', index: this.calls, text: this.earlyArgs });
      this.earlyArgs = '';
    }
  }

  private take(ch: string): void {
    if (this.role !== 'content') {
      if (this.role !== 'other') this.word += ch;
      return;
    }
    const code = ch.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdbff) {
      this.highSurrogate = ch;
      return;
    }
    this.decoded += this.highSurrogate + ch;
    this.highSurrogate = '';
  }

  private flushContent(events: ConstrainedEvent[]): void {
    if (!this.decoded) return;
    events.push({ type: 'content', text: this.decoded });
    this.decoded = '';
  }

  private startArgs(from: number): void {
    this.inString = false;
    this.args = { depth: 0, inString: false, escaped: false, from };
    this.pos = from;
  }

  /** Arguments: raw text released as it comes, up to where the value ends. */
  private captureArgs(events: ConstrainedEvent[]): void {
    const a = this.args!;
    const text = this.text;
    let end = -1;
    let i = this.pos;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (a.inString) {
        if (a.escaped) a.escaped = false;
        else if (c === '\\') a.escaped = true;
        else if (c === '"') {
          a.inString = false;
          if (a.depth === 0) {
            end = i + 1;
            break;
          }
        }
        continue;
      }
      if (c === '"') a.inString = true;
      else if (c === '{' || c === '[') a.depth++;
      else if (c === '}' || c === ']') {
        if (a.depth === 0) {
          // A bare value ended by its parent's closing bracket.
          end = i;
          break;
        }
        a.depth--;
        if (a.depth === 0) {
          end = i + 1;
          break;
        }
      } else if (a.depth === 0 && (c === ',' || isSpace(c)) && i > a.from) {
        end = i;
        break;
      }
    }
    const to = end < 0 ? text.length : end;
    const piece = text.slice(this.pos, to);
    if (piece) {
      if (this.named) events.push({ type: 'arguments', index: this.calls, text: piece });
      else this.earlyArgs += piece;
    }
    this.pos = to;
    if (end >= 0) {
      this.args = undefined;
      this.completed++;
    }
  }
}
