import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConstrainedParser, type ConstrainedEvent } from '../../../src/tools';

function run(pieces: readonly string[]): { content: string; calls: { name: string; arguments: string }[]; order: string[] } {
  const p = new ConstrainedParser();
  const events: ConstrainedEvent[] = [];
  for (const piece of pieces) events.push(...p.push(piece));
  const calls: { name: string; arguments: string }[] = [];
  let content = '';
  const order: string[] = [];
  for (const e of events) {
    if (e.type === 'content') content += e.text;
    else if (e.type === 'call') {
      calls[e.index] = { name: e.name, arguments: '' };
      order.push(`name:${e.index}`);
    } else {
      calls[e.index]!.arguments += e.text;
      order.push(`args:${e.index}`);
    }
  }
  return { content, calls, order };
}

function cut(text: string, points: number[]): string[] {
  const sorted = [...new Set(points.map((p) => p % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const p of sorted) {
    out.push(text.slice(from, p));
    from = p;
  }
  out.push(text.slice(from));
  return out;
}

describe('ConstrainedParser', () => {
  it('releases the response string as content, decoding escapes', () => {
    expect(run(['{"response": "Hi \\"you\\"\\n\\u00e9', '\\ud83d', '\\ude00!"}']).content).toBe('Hi "you"\né😀!');
  });

  it('releases a call name once its string closes, then its arguments as they are written', () => {
    const r = run(['{"tool_calls": [{"name": "get_wea', 'ther", "arguments": {"city"', ': "Paris"}}]}']);
    expect(r.calls).toEqual([{ name: 'get_weather', arguments: '{"city": "Paris"}' }]);
    expect(r.order[0]).toBe('name:0');
  });

  it('reads parallel calls with successive indexes, and arguments of every JSON type', () => {
    const text = '{ "tool_calls" : [ {"name":"a","arguments":{"n":[1,{"x":"}"}],"b":true}} , {"name":"b","arguments":{}} ] }';
    const r = run([text]);
    expect(r.calls).toEqual([
      { name: 'a', arguments: '{"n":[1,{"x":"}"}],"b":true}' },
      { name: 'b', arguments: '{}' },
    ]);
  });

  it('holds arguments written before the name until the name is known', () => {
    const r = run(['{"tool_calls": [{"arguments": {"q": 1}, "name": "s"}]}']);
    expect(r.calls).toEqual([{ name: 's', arguments: '{"q": 1}' }]);
    expect(r.order).toEqual(['name:0', 'args:0']);
  });

  it('gives the same events however the stream is cut (property)', () => {
    const value = fc.oneof(
      fc.record({ response: fc.string({ maxLength: 30 }) }),
      fc.record({
        tool_calls: fc.array(
          fc.record({
            name: fc.constantFrom('get_weather', 'search_web'),
            arguments: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })),
          }),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
      }),
    );
    fc.assert(
      fc.property(value, fc.boolean(), fc.array(fc.nat(400), { maxLength: 10 }), (v, pretty, points) => {
        const text = JSON.stringify(v, null, pretty ? 2 : undefined);
        const r = run(cut(text, points));
        if ('response' in v) expect(r.content).toBe(v.response);
        else {
          expect(r.calls.map((c) => c.name)).toEqual(v.tool_calls.map((c) => c.name));
          // Compared as JSON says them: JSON has no -0 (fc.jsonValue generates one; it reads back as 0).
          expect(r.calls.map((c) => JSON.parse(c.arguments))).toEqual(v.tool_calls.map((c) => JSON.parse(JSON.stringify(c.arguments))));
        }
      }),
      { numRuns: 500 },
    );
  });
});
