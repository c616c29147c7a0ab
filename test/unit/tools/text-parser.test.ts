import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInPieces, recorded, summary } from './fixtures';

/** Every way of cutting `text` into two pieces, and into single characters. */
function splits(text: string): string[][] {
  const out: string[][] = [[text], [...text]];
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

describe('ToolTextParser on recorded outputs', () => {
  for (const r of recorded) {
    it(`reads ${r.name}, however the stream is cut`, () => {
      for (const pieces of splits(r.text)) {
        const got = summary(parseInPieces(pieces).events);
        expect(got.calls, `pieces ${JSON.stringify(pieces)}`).toEqual(r.calls);
        expect(got.content, `pieces ${JSON.stringify(pieces)}`).toBe(r.content);
        expect(got.invalid).toEqual([]);
      }
    });
  }

  it('counts repaired JSON and string-encoded arguments as repairs', () => {
    expect(parseInPieces(["<tool_call>{'name': 'get_time', 'arguments': {}}</tool_call>"]).repairs).toBe(1);
    expect(parseInPieces(['<tool_call>{"name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\"}"}</tool_call>']).repairs).toBe(1);
    expect(parseInPieces(['<tool_call>{"name": "get_time", "arguments": {}}</tool_call>']).repairs).toBe(0);
  });

  it('coerces "3" to an integer argument and counts it as a repair', () => {
    const { events, repairs } = parseInPieces(['<tool_call>{"name": "search_web", "arguments": {"query": "x", "limit": "3"}}</tool_call>']);
    expect(summary(events).calls).toEqual([{ name: 'search_web', arguments: { query: 'x', limit: 3 } }]);
    expect(repairs).toBe(1);
  });

  it('refuses a call whose arguments break the schema, and says why', () => {
    const { events } = parseInPieces(['<tool_call>{"name": "get_weather", "arguments": {"unit": "kelvin"}}</tool_call>']);
    const got = summary(events);
    expect(got.calls).toEqual([]);
    expect(got.invalid[0]).toMatch(/city/);
    const invalid = events.find((e) => e.type === 'invalid');
    expect(invalid?.type === 'invalid' && invalid.invalid.name).toBe('get_weather');
  });

  it('refuses an unknown tool inside tool tags, but leaves unknown JSON outside tags as content', () => {
    expect(summary(parseInPieces(['<tool_call>{"name": "launch", "arguments": {}}</tool_call>']).events).invalid).toEqual(['unknown tool `launch`']);
    expect(summary(parseInPieces(['{"name": "launch", "arguments": {}}']).events)).toEqual({
      content: '{"name": "launch", "arguments": {}}',
      calls: [],
      invalid: [],
    });
  });

  it('does not repair a call cut off by max_tokens into one that only looks complete', () => {
    const got = summary(parseInPieces(['<tool_call>{"name": "get_weather", "arguments": {"city": "Qu'], true).events);
    expect(got.calls).toEqual([]);
    expect(got.invalid).toEqual(['the call was cut off (max_tokens)']);
  });

  it('forgives how a model spells a tool name', () => {
    const got = summary(parseInPieces(['<tool_call>{"name": "functions.Get_Weather", "arguments": {"city": "Bern"}}</tool_call>']).events);
    expect(got.calls).toEqual([{ name: 'get_weather', arguments: { city: 'Bern' } }]);
  });

  it('releases content before a tag as soon as it arrives, and holds only what could be a tag', () => {
    const parser = parseInPieces(['Hello wor']);
    expect(summary(parser.events).content).toBe('Hello wor');
    const pieces = ['Sure, ', 'here <tool', '_call>{"name": "get_time", "arguments": {}}</tool_call> bye'];
    const { events } = parseInPieces(pieces);
    expect(events).toEqual([
      { type: 'content', text: 'Sure, ' },
      { type: 'content', text: 'here ' },
      { type: 'call', call: { id: 'call_1', name: 'get_time', arguments: '{}' } },
      { type: 'content', text: ' bye' },
    ]);
  });
});

describe('ToolTextParser properties', () => {
  // Prose that never contains the first character of any tool syntax.
  const prose = fc.string({ unit: fc.constantFrom(...'abc xyz.,!?\n{}"'.split('')), maxLength: 40 }).filter((s) => !/^[\s,;]*\{/.test(s));
  // A fence inside the arguments would end a fenced call early (the fence format cannot tell).
  const city = fc.string({ unit: fc.constantFrom(...'abcdefgh "\\<>[]`'.split('')), minLength: 1, maxLength: 12 }).filter((s) => !s.includes('```'));
  const cuts = (n: number) => fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, n - 1) }), { maxLength: 12 });

  it('never lets any part of a tool call reach the client as content, wherever the stream is cut', () => {
    fc.assert(
      fc.property(prose, city, prose, fc.constantFrom('hermes', 'mistral', 'fence', 'function'), fc.integer(), (before, c, after, format, seed) => {
        const args = JSON.stringify({ city: c });
        const call =
          format === 'hermes'
            ? `<tool_call>\n{"name": "get_weather", "arguments": ${args}}\n</tool_call>`
            : format === 'mistral'
              ? `[TOOL_CALLS][{"name": "get_weather", "arguments": ${args}}]`
              : format === 'fence'
                ? `\`\`\`json\n{"name": "get_weather", "arguments": ${args}}\n\`\`\``
                : `<function=get_weather>${args}</function>`;
        const text = `${before}${call}${after}`;
        const points = fc.sample(cuts(text.length), { seed, numRuns: 1 })[0]!.sort((a, b) => a - b);
        const pieces: string[] = [];
        let from = 0;
        for (const p of points) {
          pieces.push(text.slice(from, p));
          from = p;
        }
        pieces.push(text.slice(from));
        const { events } = parseInPieces(pieces);
        const got = summary(events);
        expect(got.calls).toEqual([{ name: 'get_weather', arguments: { city: c } }]);
        expect(got.content).toBe(before + after);
        for (const e of events)
          if (e.type === 'content') expect(call.includes(e.text) && e.text.length > 2 && !before.includes(e.text) && !after.includes(e.text)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('does not end a fenced call at backticks inside its JSON strings', () => {
    const text = '```json\n{"name": "get_weather", "arguments": {"city": "```a"}}\n```';
    for (const pieces of [[text], [...text]])
      expect(summary(parseInPieces(pieces).events).calls).toEqual([{ name: 'get_weather', arguments: { city: '```a' } }]);
  });

  it('passes text without tool syntax through unchanged, in order, wherever it is cut', () => {
    const text = fc.string({ unit: fc.constantFrom(...'ab <>[]`{}"\n_TOOLCALS|'.split('')), maxLength: 60 });
    fc.assert(
      fc.property(text, fc.array(fc.nat(60), { maxLength: 6 }), (t, rawCuts) => {
        const points = [...new Set(rawCuts.map((c) => c % (t.length + 1)))].sort((a, b) => a - b);
        const pieces: string[] = [];
        let from = 0;
        for (const p of points) {
          pieces.push(t.slice(from, p));
          from = p;
        }
        pieces.push(t.slice(from));
        const whole = summary(parseInPieces([t]).events);
        const cut = summary(parseInPieces(pieces).events);
        expect(cut).toEqual(whole);
        // What is neither a call nor an attempt comes out exactly as it went in.
        if (whole.calls.length === 0 && whole.invalid.length === 0) expect(whole.content).toBe(t);
      }),
      { numRuns: 500 },
    );
  });
});
