// Property tests of SSE framing: however the bytes are cut into chunks (inside a line, between CR
// and LF, inside a UTF-8 sequence), the parser yields the same events; and whatever text a model
// streams, the gateway's frames carry it to the client unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser, sseData, sseEvents, type SseEvent } from '../../src/core';
import { fromAddress, inProcessApp, scriptedUpstream } from '../helpers/app';

const numRuns = Number(process.env.AEGIS_FUZZ_RUNS ?? 100);

/** Cuts `bytes` at the given offsets (any order, repeats allowed). */
function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const points = [...new Set(at.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    parts.push(bytes.slice(from, p));
    from = p;
  }
  return parts;
}

function parse(chunks: Uint8Array[]): SseEvent[] {
  const parser = new SseParser();
  return [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
}

// Field values as servers send them: any text without line breaks (which would end the field).
const value = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ' '));
const event = fc.record({
  event: fc.option(
    value.filter((v) => v.trim() === v && v !== ''),
    { nil: undefined },
  ),
  data: fc.array(value, { minLength: 1, maxLength: 3 }),
});
const newline = fc.constantFrom('\n', '\r\n', '\r');

describe('SSE parsing and framing', () => {
  it('gives the same events for any chunk boundaries and any line endings', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), newline, fc.boolean(), fc.array(fc.nat(), { maxLength: 20 }), (events, nl, comments, at) => {
        let text = '';
        for (const e of events) {
          if (comments) text += `: keep-alive${nl}`;
          if (e.event !== undefined) text += `event: ${e.event}${nl}`;
          for (const d of e.data) text += `data: ${d}${nl}`;
          text += nl;
        }
        const bytes = new TextEncoder().encode(text);
        const expected = events.map((e) => ({ event: e.event, data: e.data.join('\n') }));
        expect(parse([bytes])).toEqual(expected);
        expect(parse(cut(bytes, at))).toEqual(expected);
      }),
      { numRuns },
    );
  });

  it('reads back exactly what sseData and sseEvents framed, however it is cut', () => {
    // sseData sends a string as is (it is for `[DONE]`); every other payload as JSON.
    const payload = fc.jsonValue({ maxDepth: 3 }).filter((p) => typeof p !== 'string');
    fc.assert(
      fc.property(
        fc.array(payload, { maxLength: 6 }),
        fc.array(fc.record({ type: value.filter((v) => v !== '') }), { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (payloads, named, at) => {
          const frames = [...payloads.map((p) => sseData(p)), sseEvents(named)];
          const bytes = Buffer.concat(frames);
          const events = parse(cut(bytes, at));
          expect(events.slice(0, payloads.length).map((e) => JSON.parse(e.data) as unknown)).toEqual(
            payloads.map((p) => JSON.parse(JSON.stringify(p)) as unknown),
          );
          expect(events.slice(payloads.length)).toEqual(named.map((n) => ({ event: n.type, data: JSON.stringify(n) })));
        },
      ),
      { numRuns },
    );
  });

  it('carries any streamed text to the client unchanged, on the chat and Anthropic doors', async () => {
    const upstream = scriptedUpstream();
    const { app } = inProcessApp({ upstream });
    const deltas = fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { minLength: 1, maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(deltas, fc.boolean(), async (parts, anthropic) => {
        upstream.script = { kind: 'stream', deltas: parts };
        const path = anthropic ? '/v1/messages' : '/v1/chat/completions';
        const body = { model: 'm', stream: true, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] };
        const res = await app.request(
          path,
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
          fromAddress('127.0.0.1'),
        );
        expect(res.status).toBe(200);
        const events = parse([new Uint8Array(await res.arrayBuffer())]);
        let text = '';
        for (const e of events) {
          if (e.data === '[DONE]') continue;
          const data = JSON.parse(e.data) as { choices?: { delta?: { content?: string } }[]; delta?: { type?: string; text?: string } };
          text += anthropic ? (data.delta?.type === 'text_delta' ? (data.delta.text ?? '') : '') : (data.choices?.[0]?.delta?.content ?? '');
        }
        expect(text).toBe(parts.join(''));
        if (!anthropic) expect(events.at(-1)?.data).toBe('[DONE]');
      }),
      { numRuns: Math.ceil(numRuns / 2) },
    );
  });
});
