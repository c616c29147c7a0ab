import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError, isFunctionTool, type ChatChunk } from '../../../src/core';
import { messages } from '../../../src/protocols';
import { scriptedChunks, scriptedCompletion, type Reply } from '../../helpers/chat-script';
import { counterIds, recorded } from './fixtures';

const translate = (body: unknown) => messages.fromMessagesRequest(messages.messagesRequestSchema.parse(body));

function stream(chunks: ChatChunk[], options: { thinking?: boolean; stops?: string[]; fail?: GatewayError } = {}) {
  const converter = new messages.MessagesStreamConverter(
    { thinking: options.thinking ?? false, stopSequences: options.stops ?? [] },
    { id: 'msg_1', model: 'm' },
    counterIds(),
    42,
  );
  const events: messages.MessageStreamEvent[] = [];
  for (const chunk of chunks) events.push(...converter.push(chunk));
  events.push(...(options.fail ? converter.fail(options.fail, 'req-1') : converter.finish(undefined)));
  return events;
}

/** Rebuilds the message from the events, the way the Anthropic SDK's MessageStream does. */
function accumulate(events: messages.MessageStreamEvent[]) {
  const content: Record<string, unknown>[] = [];
  const json: string[] = [];
  let stop: unknown;
  for (const e of events) {
    if (e.type === 'content_block_start') content[e.index as number] = { ...(e.content_block as object) };
    if (e.type === 'content_block_delta') {
      const d = e.delta as { type: string; text?: string; partial_json?: string; thinking?: string };
      const block = content[e.index as number]!;
      if (d.type === 'text_delta') block.text = `${String(block.text)}${d.text}`;
      if (d.type === 'thinking_delta') block.thinking = `${String(block.thinking)}${d.thinking}`;
      if (d.type === 'input_json_delta') json[e.index as number] = (json[e.index as number] ?? '') + d.partial_json;
    }
    if (e.type === 'content_block_stop' && json[e.index as number] !== undefined) content[e.index as number]!.input = JSON.parse(json[e.index as number]!);
    if (e.type === 'message_delta') stop = (e.delta as { stop_reason: unknown }).stop_reason;
  }
  return { content, stop };
}

describe('Messages request translation', () => {
  it("carries Claude Code 2.1's recorded request: system blocks and system-role messages as one system message", () => {
    const { body } = recorded('claude-code-2.1.328');
    const t = translate(body);
    const roles = t.chat.messages.map((m) => m.role);
    expect(roles[0]).toBe('system');
    expect(roles.slice(1)).not.toContain('system');
    const system = String(t.chat.messages[0]!.content);
    expect(system).toContain('Claude Agent SDK');
    expect(system).toContain('Primary working directory');
    expect(t.chat.tools).toHaveLength((body.tools as unknown[]).length);
    expect(t.chat.tools!.filter(isFunctionTool).map((x) => x.function.name)).toContain('Bash');
    expect(t.dropped).toEqual([]);
    expect(t.chat).toMatchObject({ max_tokens: 32_000, stream: true });
    expect(t.thinking).toBe(true);
    // Fields only Anthropic's service understands stay out of the upstream request.
    for (const field of ['context_management', 'output_config', 'thinking', 'metadata', 'system']) expect(t.chat).not.toHaveProperty(field);
    expect(t.chat.user).toContain('session_id');
  });

  it('turns tool_use and tool_result blocks into tool calls and tool messages, results first', () => {
    const t = translate({
      model: 'm',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'list files' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'sig' },
            { type: 'text', text: 'Listing.' },
            { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a.txt' }] },
            { type: 'tool_result', tool_use_id: 'toolu_2', content: 'boom', is_error: true },
            { type: 'text', text: 'and now?', cache_control: { type: 'ephemeral' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAA' } },
          ],
        },
      ],
      stop_sequences: ['END'],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      tools: [{ name: 'Bash', input_schema: { type: 'object' }, defer_loading: true }],
    });
    expect(t.chat.messages).toEqual([
      { role: 'user', content: 'list files' },
      { role: 'assistant', content: 'Listing.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'a.txt' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: boom' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'and now?' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAA' } },
        ],
      },
    ]);
    expect(t.chat).toMatchObject({ stop: ['END'], tool_choice: 'required', parallel_tool_calls: false });
  });

  it('refuses what it cannot carry with the field named', () => {
    const bad = () =>
      translate({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] });
    expect(bad).toThrow(expect.objectContaining({ param: 'messages[0].content[0].source', status: 400 }));
  });
});

describe('Messages whole answer and stream', () => {
  it('answers tool calls as tool_use blocks with parsed (or repaired) input', () => {
    const t = translate({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] });
    const m = messages.toMessage(
      t,
      scriptedCompletion({ content: 'Sure.', toolCalls: [{ name: 'Bash', arguments: '{"command":"ls",}', id: 'toolu_9' }] }),
      { id: 'msg_1', model: 'm' },
      counterIds(),
    );
    expect(m).toMatchObject({
      content: [
        { type: 'text', text: 'Sure.' },
        { type: 'tool_use', id: 'toolu_9', name: 'Bash', input: { command: 'ls' } },
      ],
      stop_reason: 'tool_use',
    });
    expect(messages.toMessage(t, scriptedCompletion({ content: 'cut', finish: 'length' }), { id: 'msg_1', model: 'm' }, counterIds()).stop_reason).toBe(
      'max_tokens',
    );
  });

  it('streams thinking only when the client asked for it, with a signature', () => {
    const chunks = scriptedChunks({ reasoning: 'let me think', content: 'Answer.' });
    expect(accumulate(stream(chunks)).content).toEqual([{ type: 'text', text: 'Answer.' }]);
    const withThinking = stream(chunks, { thinking: true });
    expect(accumulate(withThinking).content).toEqual([
      { type: 'thinking', thinking: 'let me think', signature: '' },
      { type: 'text', text: 'Answer.' },
    ]);
    expect(withThinking.some((e) => (e.delta as { type?: string } | undefined)?.type === 'signature_delta')).toBe(true);
  });

  it('starts with message_start (estimated input tokens) and a ping, and ends with message_stop', () => {
    const events = stream(scriptedChunks({ content: 'hi' }));
    expect(events[0]).toMatchObject({ type: 'message_start', message: { id: 'msg_1', role: 'assistant', content: [], usage: { input_tokens: 42 } } });
    expect(events[1]).toEqual({ type: 'ping' });
    expect(events.at(-1)).toEqual({ type: 'message_stop' });
    expect(events.at(-2)).toMatchObject({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 11, output_tokens: 7 },
    });
  });

  it("reports stop_sequence when the runtime names the stop string it matched (vLLM's stop_reason)", () => {
    const chunks = scriptedChunks({ content: 'one two' });
    const finish = chunks.at(-2)!;
    Object.assign(finish.choices[0]!, { stop_reason: 'END' });
    expect(stream(chunks, { stops: ['END'] }).at(-2)).toMatchObject({ delta: { stop_reason: 'stop_sequence', stop_sequence: 'END' } });
  });

  it('ends a failed stream with an error event only', () => {
    const events = stream(scriptedChunks({ content: 'half' }).slice(0, 2), { fail: new GatewayError('queue_timeout', 'Timed out waiting.') });
    expect(events.at(-1)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Timed out waiting.' }, request_id: 'req-1' });
    expect(events.map((e) => e.type)).not.toContain('message_stop');
  });

  it('gives the whole answer back from any chunk boundaries', () => {
    const t = translate({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] });
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), fc.integer({ min: 1, max: 10 }), (content, arg, pieces) => {
        const r: Reply = { content, toolCalls: [{ name: 'Bash', arguments: JSON.stringify({ command: arg }), id: 'toolu_1' }], pieces };
        const whole = messages.toMessage(t, scriptedCompletion(r), { id: 'msg_1', model: 'm' }, counterIds());
        const streamed = accumulate(stream(scriptedChunks(r)));
        expect(streamed.content).toEqual(whole.content);
        expect(streamed.stop).toBe(whole.stop_reason);
      }),
      { numRuns: 200 },
    );
  });
});

describe('Anthropic error envelope', () => {
  it.each([
    ['invalid_request', 400, 'invalid_request_error'],
    ['unsupported_media_type', 400, 'invalid_request_error'],
    ['invalid_api_key', 401, 'authentication_error'],
    ['policy_denied', 403, 'permission_error'],
    ['model_not_found', 404, 'not_found_error'],
    ['body_too_large', 413, 'request_too_large'],
    ['rate_limit_exceeded', 429, 'rate_limit_error'],
    ['queue_timeout', 529, 'overloaded_error'],
    ['upstream_timeout', 504, 'timeout_error'],
    ['upstream_error', 502, 'api_error'],
    ['internal_error', 500, 'api_error'],
  ] as const)('renders %s as %i %s', (code, status, type) => {
    const e = new GatewayError(code, 'message');
    expect(messages.anthropicStatus(e)).toEqual({ status, type });
    expect(messages.anthropicError(e)).toEqual({ type: 'error', error: { type, message: 'message' } });
  });
});
