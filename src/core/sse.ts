// Server-sent events and NDJSON framing: encoders for what Aegis sends, incremental parsers for
// what upstreams send (chunks may split anywhere, including inside a UTF-8 sequence).

const encoder = new TextEncoder();

export function sseData(payload: unknown): Uint8Array {
  return encoder.encode(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
}

export const sseDone = encoder.encode('data: [DONE]\n\n');

/** A comment line: ignored by SSE clients, but keeps proxies from timing out idle streams. */
export function sseComment(text: string): Uint8Array {
  return encoder.encode(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`);
}

export interface SseEvent {
  event?: string;
  data: string;
}

/** Parses an SSE byte stream into events (only `event:` and `data:` fields matter here). */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let event: string | undefined;
  const flushLine = function* (line: string): Generator<SseEvent> {
    if (line === '') {
      if (data.length > 0) yield { event, data: data.join('\n') };
      data = [];
      event = undefined;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r\n|\n|\r/)) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? nl + 2 : nl + 1);
      yield* flushLine(line);
    }
  }
  buffer += decoder.decode();
  if (buffer.length > 0) yield* flushLine(buffer);
  yield* flushLine('');
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
