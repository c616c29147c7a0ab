import { describe, expect, it } from 'vitest';
import { estimatePromptTokens, jsonLength } from '../../../src/gateway/exchange/token-estimate';

describe('jsonLength', () => {
  const cases: unknown[] = [
    '',
    'plain text',
    0,
    -12.5,
    1e21,
    true,
    false,
    null,
    [],
    {},
    [1, 'two', null, [3]],
    { a: 1 },
    { role: 'user', content: 'hello', skip: undefined },
    [
      { role: 'system', content: 'be brief' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hi' },
          { type: 'image_url', image_url: { url: 'data:x' } },
        ],
      },
    ],
  ];
  it.each(cases.map((c) => [JSON.stringify(c), c]))('equals JSON.stringify(%s).length for escape-free values', (_, value) => {
    expect(jsonLength(value)).toBe(JSON.stringify(value).length);
  });

  it('counts undefined array items as null, as JSON does', () => {
    expect(jsonLength([undefined, 1])).toBe(JSON.stringify([undefined, 1]).length);
  });

  it('reads short, never long, when the text needs escapes', () => {
    const text = 'line "one"\nline two';
    expect(jsonLength(text)).toBeLessThan(JSON.stringify(text).length);
    expect(jsonLength(text)).toBe(text.length + 2);
  });
});

describe('estimatePromptTokens', () => {
  it('is four characters of the messages as JSON per token', () => {
    const messages = [{ role: 'user', content: 'x'.repeat(400) }];
    expect(estimatePromptTokens({ messages })).toBe(Math.ceil(JSON.stringify(messages).length / 4));
  });

  it('falls back to prompt, then embedding input, then nothing', () => {
    expect(estimatePromptTokens({ prompt: 'abcdef' })).toBe(2);
    expect(estimatePromptTokens({ input: ['ab', 'cd'] })).toBe(Math.ceil(JSON.stringify(['ab', 'cd']).length / 4));
    expect(estimatePromptTokens({})).toBe(1);
  });
});
