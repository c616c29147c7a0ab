import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError, type ChatChunk } from '../../../src/core';
import { responses } from '../../../src/protocols';
import { scriptedChunks, scriptedCompletion, type Reply } from '../../helpers/chat-script';
import { counterIds } from './fixtures';

const codexLike = {
  model: 'm',
  input: 'go',
  stream: true,
  tools: [
    { type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
    { type: 'custom', name: 'apply_patch', format: { type: 'grammar', syntax: 'lark', definition: 'start: x' } },
    { type: 'namespace', name: 'multi_agent_v1', tools: [{ type: 'function', name: 'spawn_agent', parameters: { type: 'object' } }] },
  ],
};

const translation = () => responses.fromResponsesRequest(responses.responsesRequestSchema.parse(codexLike), { newId: counterIds() });

function run(chunks: ChatChunk[], end: { fail?: GatewayError } = {}) {
  const converter = new responses.ResponsesStreamConverter(translation(), { id: 'resp_1', createdAt: 100, model: 'm' }, counterIds());
  // Serialised as the SSE writer does, batch by batch: later changes to an item must not leak back.
  const events: responses.ResponseStreamEvent[] = [];
  const take = (batch: responses.ResponseStreamEvent[]) => events.push(...(JSON.parse(JSON.stringify(batch)) as responses.ResponseStreamEvent[]));
  for (const chunk of chunks) take(converter.push(chunk));
  take(end.fail ? converter.fail(end.fail) : converter.finish(undefined));
  return { events, response: converter.current };
}

const types = (events: responses.ResponseStreamEvent[]) => events.map((e) => e.type);
const ofType = (events: responses.ResponseStreamEvent[], type: string) => events.filter((e) => e.type === type);

describe('ResponsesStreamConverter', () => {
  it('streams a function call whose arguments arrive split, as added, deltas, done', () => {
    const { events, response } = run(scriptedChunks({ toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"echo hello"}', id: 'call_9' }], pieces: 4 }));
    expect(types(events)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      ...Array(4).fill('response.function_call_arguments.delta'),
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[2]!.item).toMatchObject({ type: 'function_call', call_id: 'call_9', name: 'exec_command', arguments: '', status: 'in_progress' });
    const args = ofType(events, 'response.function_call_arguments.delta')
      .map((e) => e.delta)
      .join('');
    expect(args).toBe('{"cmd":"echo hello"}');
    expect(ofType(events, 'response.output_item.done')[0]!.item).toMatchObject({ arguments: '{"cmd":"echo hello"}', status: 'completed' });
    expect(response.output).toMatchObject([{ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"echo hello"}' }]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  });

  it('answers a custom tool as custom_tool_call with its freeform input, never as a function call', () => {
    const patch = '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch';
    const { events, response } = run(scriptedChunks({ toolCalls: [{ name: 'apply_patch', arguments: JSON.stringify({ input: patch }) }] }));
    expect(types(events)).not.toContain('response.function_call_arguments.delta');
    expect(ofType(events, 'response.custom_tool_call_input.done')[0]!.input).toBe(patch);
    expect(ofType(events, 'response.output_item.done')[0]!.item).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', input: patch });
    expect(response.output.map((o) => o.type)).toEqual(['custom_tool_call']);
  });

  it('maps a flattened namespace tool back to its name and namespace', () => {
    const { response } = run(scriptedChunks({ toolCalls: [{ name: 'multi_agent_v1__spawn_agent', arguments: '{}' }] }));
    expect(response.output[0]).toMatchObject({ type: 'function_call', name: 'spawn_agent', namespace: 'multi_agent_v1' });
  });

  it('closes the text before a tool call starts, and reports reasoning as its own item', () => {
    const { events, response } = run(scriptedChunks({ reasoning: 'think', content: 'Running it.', toolCalls: [{ name: 'exec_command', arguments: '{}' }] }));
    expect(response.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
    const doneIdx = types(events).indexOf('response.content_part.done');
    const callIdx = events.findIndex((e) => e.type === 'response.output_item.added' && (e.item as { type: string }).type === 'function_call');
    expect(doneIdx).toBeLessThan(callIdx);
    expect(ofType(events, 'response.reasoning_text.done')[0]!.text).toBe('think');
  });

  it('ends with response.incomplete when the model hit its token limit', () => {
    const { events, response } = run(scriptedChunks({ content: 'cut sho', finish: 'length' }));
    expect(events.at(-1)!.type).toBe('response.incomplete');
    expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(types(events).filter((t) => String(t).endsWith('completed'))).toEqual([]);
  });

  it('reports usage with cached prompt tokens where the runtime gives them', () => {
    const usage = { prompt_tokens: 40, completion_tokens: 5, total_tokens: 45, prompt_tokens_details: { cached_tokens: 32 } };
    const { response } = run(scriptedChunks({ content: 'ok', usage }));
    expect(response.usage).toEqual({
      input_tokens: 40,
      input_tokens_details: { cached_tokens: 32 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 45,
    });
  });

  it('ends a stream that failed mid-way with response.failed after closing what was open', () => {
    const chunks = scriptedChunks({ content: 'half an answer', toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"ls"}' }] }).slice(0, 6);
    const { events, response } = run(chunks, { fail: new GatewayError('upstream_error', 'Upstream "u" closed the stream before it finished.') });
    expect(events.at(-1)!.type).toBe('response.failed');
    expect(response).toMatchObject({ status: 'failed', error: { code: 'server_error', message: expect.stringContaining('closed the stream') } });
    expect(ofType(events, 'response.output_item.done')).toHaveLength(response.output.length);
    // The text ended when the call began; the call was cut short.
    expect(response.output.map((o) => (o.type === 'message' || o.type === 'function_call' ? o.status : undefined))).toEqual(['completed', 'incomplete']);
    const rate = run([], { fail: new GatewayError('rate_limit_exceeded', 'Rate limit reached.', { retryAfter: 7 }) });
    expect(types(rate.events)).toEqual(['response.created', 'response.in_progress', 'response.failed']);
    expect(rate.response.error).toEqual({ code: 'rate_limit_exceeded', message: 'Rate limit reached. Please try again in 7s.' });
    const long = run([], { fail: new GatewayError('context_length_exceeded', 'Too long.') });
    expect(long.response.error?.code).toBe('context_length_exceeded');
  });

  it('gives the same response for any chunk boundaries, and agrees with the whole answer', () => {
    const reply = fc.record({
      content: fc.string({ maxLength: 40 }),
      args: fc.string({ maxLength: 40 }).map((s) => JSON.stringify({ cmd: s })),
      pieces: fc.integer({ min: 1, max: 12 }),
    });
    fc.assert(
      fc.property(reply, ({ content, args, pieces }) => {
        const r: Reply = { content, toolCalls: [{ name: 'exec_command', arguments: args, id: 'call_1' }], pieces };
        const streamed = run(scriptedChunks(r)).response;
        const whole = responses.toResponse(translation(), scriptedCompletion(r), { id: 'resp_1', createdAt: 100, model: 'm' }, counterIds());
        const strip = (o: responses.OutputItem[]) => o.map(({ id: _id, ...rest }) => rest);
        expect(strip(streamed.output)).toEqual(strip(whole.output));
        expect(streamed.status).toBe(whole.status);
      }),
      { numRuns: 200 },
    );
  });
});
