import { describe, expect, it } from 'vitest';
import { parseNdjson, SseParser, type SseEvent } from '../../../src/core';

async function* bytes(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function parseAll(...chunks: Uint8Array[]): SseEvent[] {
  const parser = new SseParser();
  return [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
}

describe('SseParser', () => {
  it('reassembles events split across chunks, including inside a UTF-8 sequence', () => {
    const euro = new TextEncoder().encode('data: {"x":"€"}\n\n');
    const rest = new TextEncoder().encode('event: ping\ndata: a\ndata: b\r\n\r\n: comment\n\ndata: [DONE]\n\n');
    const events = parseAll(euro.slice(0, 13), euro.slice(13), rest);
    expect(events).toEqual([
      { event: undefined, data: '{"x":"€"}' },
      { event: 'ping', data: 'a\nb' },
      { event: undefined, data: '[DONE]' },
    ]);
  });

  it('treats CRLF split between two chunks as one line break', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(parseAll(enc('data: a\r'), enc('\n\r'), enc('\ndata:b\r\r'))).toEqual([
      { event: undefined, data: 'a' },
      { event: undefined, data: 'b' },
    ]);
  });

  it('flushes a final event without a trailing blank line', () => {
    expect(parseAll(new TextEncoder().encode('data: last'))).toEqual([{ event: undefined, data: 'last' }]);
  });

  it('does not depend on the caller keeping its buffer intact', () => {
    const parser = new SseParser();
    const chunk = Buffer.from('data: ab');
    expect(parser.push(chunk)).toEqual([]);
    chunk.fill(0x78);
    expect(parser.push(Buffer.from('c\n\n'))).toEqual([{ event: undefined, data: 'abc' }]);
  });
});

describe('parseNdjson', () => {
  it('parses lines split anywhere and a last line without newline', async () => {
    expect(await collect(parseNdjson(bytes('{"a":', '1}\n{"a":2}\n\n{"a"', ':3}')))).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });
});
