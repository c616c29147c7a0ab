// Server-sent events and NDJSON framing: encoders for what Aegis sends, incremental parsers for
// what upstreams send (chunks may split anywhere, including inside a UTF-8 sequence).

const encoder = new TextEncoder();

export function sseData(payload: unknown): Uint8Array {
  return encoder.encode(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
}

export const sseDone = encoder.encode('data: [DONE]\n\n');

/**
 * Named events as the agent APIs send them (`event: response.created`, `event: message_start`):
 * the Anthropic SDKs dispatch on the event name, OpenAI's on the `type` inside the data.
 */
export function sseEvents(events: readonly { type: string }[]): Uint8Array {
  let text = '';
  for (const e of events) text += `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
  return encoder.encode(text);
}

/** A comment line: ignored by SSE clients, but keeps proxies from timing out idle streams. */
export function sseComment(text: string): Uint8Array {
  return encoder.encode(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`);
}

export interface SseEvent {
  event?: string;
  data: string;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Incremental SSE parser (only `event:` and `data:` fields matter here). It cuts lines on the bytes:
 * CR and LF never occur inside a UTF-8 sequence, so only whole lines are decoded, with no decoder
 * state and no rescanning of a growing string. Sync, so a caller iterates its events without an
 * async generator per layer (one per token adds up at a thousand streams).
 */
export class SseParser {
  /** An unterminated line from the previous chunk. */
  private rest: Buffer | undefined;
  /** The previous chunk ended in CR: a leading LF belongs to that line break. */
  private afterCr = false;
  private data: string | undefined;
  private event: string | undefined;

  /** The events completed by `chunk`. */
  push(chunk: Uint8Array): SseEvent[] {
    const events: SseEvent[] = [];
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.rest) {
      buf = Buffer.concat([this.rest, buf]);
      this.rest = undefined;
    }
    let from = 0;
    if (this.afterCr && buf[0] === LF) from = 1;
    this.afterCr = false;
    for (let i = from; i < buf.length; i++) {
      const b = buf[i];
      if (b !== LF && b !== CR) continue;
      this.line(buf, from, i, events);
      if (b === CR) {
        if (i + 1 === buf.length) this.afterCr = true;
        else if (buf[i + 1] === LF) i++;
      }
      from = i + 1;
    }
    // A copy: the caller's buffer may be a view of memory that gets reused.
    if (from < buf.length) this.rest = Buffer.from(buf.subarray(from));
    return events;
  }

  /** The last event when the stream ends without a blank line. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.rest) this.line(this.rest, 0, this.rest.length, events);
    this.rest = undefined;
    this.dispatch(events);
    return events;
  }

  private line(buf: Buffer, from: number, to: number, events: SseEvent[]): void {
    if (from === to) return this.dispatch(events);
    if (buf[from] === 0x3a) return; // ':' opens a comment
    const line = buf.toString('utf8', from, to);
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
    if (field === 'data') this.data = this.data === undefined ? value : `${this.data}\n${value}`;
    else if (field === 'event') this.event = value;
  }

  private dispatch(events: SseEvent[]): void {
    if (this.data !== undefined) events.push({ event: this.event, data: this.data });
    this.data = undefined;
    this.event = undefined;
  }
}

/** Parses newline-delimited JSON (Ollama's streaming format). */
export async function* parseNdjson<T>(body: AsyncIterable<Uint8Array>): AsyncGenerator<T> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) yield JSON.parse(line) as T;
    }
  }
  const rest = (buffer + decoder.decode()).trim();
  if (rest) yield JSON.parse(rest) as T;
}
