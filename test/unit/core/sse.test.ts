import { describe, expect, it } from 'vitest';
import { parseNdjson, parseSse } from '../../../src/core';

async function* bytes(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('parseSse', () => {
  it('reassembles events split across chunks, including inside a UTF-8 sequence', async () => {
    const euro = new TextEncoder().encode('data: {"x":"€"}\n\n');
    async function* split(): AsyncGenerator<Uint8Array> {
      yield euro.slice(0, 13);
      yield euro.slice(13);
      yield new TextEncoder().encode('event: ping\ndata: a\ndata: b\r\n\r\n: comment\n\ndata: [DONE]\n\n');
    }
    const events = await collect(parseSse(split()));
    expect(events).toEqual([{ event: undefined, data: '{"x":"€"}' }, { event: 'ping', data: 'a\nb' }, { event: undefined, data: '[DONE]' }]);
  });

  it('flushes a final event without a trailing blank line', async () => {
    expect(await collect(parseSse(bytes('data: last')))).toEqual([{ event: undefined, data: 'last' }]);
  });
});

describe('parseNdjson', () => {
  it('parses lines split anywhere and a last line without newline', async () => {
    expect(await collect(parseNdjson(bytes('{"a":', '1}\n{"a":2}\n\n{"a"', ':3}')))).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });
});
