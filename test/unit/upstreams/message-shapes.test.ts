import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../src/core';
import { assertSupportedContent } from '../../../src/upstreams';
import { joinTextParts, SAFE_SHAPES, shapeMessage, shapeMessages, type MessageShapes } from '../../../src/upstreams/message-shapes';
import { toOllamaChat } from '../../../src/upstreams/ollama-translate';

const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } };
const keepAll: MessageShapes = { developerRole: 'keep', textParts: 'keep', toolCallContent: 'keep' };

describe('message shapes', () => {
  it('sends a developer message as a system message by default', () => {
    expect(shapeMessage({ role: 'developer', content: 'Be terse.' }, SAFE_SHAPES)).toEqual({ role: 'system', content: 'Be terse.' });
  });

  it('joins content made only of text parts into one string, one part per line', () => {
    const system: ChatMessage = {
      role: 'system',
      content: [
        { type: 'text', text: 'You are' },
        { type: 'text', text: 'helpful.' },
      ],
    };
    expect(shapeMessage(system, SAFE_SHAPES)).toEqual({ role: 'system', content: 'You are\nhelpful.' });
    const user: ChatMessage = { role: 'user', content: [{ type: 'text', text: 'hi' }], name: 'ada' };
    expect(shapeMessage(user, SAFE_SHAPES)).toEqual({ role: 'user', content: 'hi', name: 'ada' });
  });

  it('sends an assistant turn that only calls tools with content "" instead of null', () => {
    const call = { id: 'c1', type: 'function' as const, function: { name: 'f', arguments: '{}' } };
    const turn: ChatMessage = { role: 'assistant', content: null, tool_calls: [call] };
    expect(shapeMessage(turn, SAFE_SHAPES)).toEqual({ role: 'assistant', content: '', tool_calls: [call] });
    expect(shapeMessage(turn, keepAll)).toBe(turn);
    // An assistant turn with text, or without calls, is left alone.
    const spoken: ChatMessage = { role: 'assistant', content: 'calling', tool_calls: [call] };
    expect(shapeMessage(spoken, SAFE_SHAPES)).toBe(spoken);
    const silent: ChatMessage = { role: 'assistant', content: null };
    expect(shapeMessage(silent, SAFE_SHAPES)).toBe(silent);
  });

  it('keeps parts that carry an image as parts', () => {
    const user: ChatMessage = { role: 'user', content: [{ type: 'text', text: 'look' }, image] };
    expect(shapeMessage(user, SAFE_SHAPES)).toBe(user);
  });

  it("leaves the client's shapes alone when the upstream keeps them", () => {
    const messages: ChatMessage[] = [
      { role: 'developer', content: 'Be terse.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
    ];
    expect(shapeMessages(messages, keepAll)).toEqual(messages);
    expect(shapeMessages(messages, { developerRole: 'keep', textParts: 'join', toolCallContent: 'keep' })).toEqual([
      messages[0],
      { role: 'user', content: 'a\nb' },
    ]);
  });

  it('returns a message that needs no change as it is, and never changes the input', () => {
    const plain: ChatMessage = { role: 'user', content: 'hi' };
    expect(shapeMessage(plain, SAFE_SHAPES)).toBe(plain);
    const parts: ChatMessage = { role: 'developer', content: [{ type: 'text', text: 'x' }] };
    shapeMessage(parts, SAFE_SHAPES);
    expect(parts).toEqual({ role: 'developer', content: [{ type: 'text', text: 'x' }] });
  });

  it('joins the text of text parts and skips the others', () => {
    expect(joinTextParts([{ type: 'text', text: 'a' }, image, { type: 'text', text: '' }, { type: 'text', text: 'b' }])).toBe('a\nb');
  });

  it('gives Ollama the same shapes as the OpenAI-compatible path', () => {
    const messages: ChatMessage[] = [
      { role: 'developer', content: 'Be terse.' },
      { role: 'system', content: [{ type: 'text', text: 'You are helpful.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Say' },
          { type: 'text', text: 'hi.' },
        ],
      },
    ];
    const ollama = toOllamaChat({ model: 'm', messages }, 'm', undefined, undefined).messages;
    expect(ollama).toEqual(shapeMessages(messages, SAFE_SHAPES));
  });
});

describe('assertSupportedContent', () => {
  const textModel = { name: 'smol', capabilities: { vision: false } };
  const visionModel = { name: 'gemma-vision', capabilities: { vision: true } };
  const withImage = {
    model: 'smol',
    messages: [
      { role: 'system', content: 'x' },
      { role: 'user', content: [{ type: 'text', text: 'look' }, image] },
    ],
  };

  it('refuses image parts for a model without vision with a 400 naming the model', () => {
    expect(() => assertSupportedContent(textModel, withImage)).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'capability_not_supported',
        type: 'invalid_request_error',
        param: 'messages',
        message: expect.stringContaining('`smol`'),
      }),
    );
  });

  it('counts the image part types of the Responses and Anthropic shapes too', () => {
    for (const type of ['input_image', 'image']) {
      expect(() => assertSupportedContent(textModel, { messages: [{ role: 'user', content: [{ type }] }] })).toThrow(/image/);
    }
  });

  it('lets images through to a vision model, and text to any model', () => {
    expect(() => assertSupportedContent(visionModel, withImage)).not.toThrow();
    expect(() =>
      assertSupportedContent(textModel, {
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'hi' }] },
          { role: 'assistant', content: null },
        ],
      }),
    ).not.toThrow();
  });

  it('ignores requests without messages (completions, embeddings)', () => {
    expect(() => assertSupportedContent(textModel, { prompt: 'hi' })).not.toThrow();
    expect(() => assertSupportedContent(textModel, { input: [image] })).not.toThrow();
  });
});
