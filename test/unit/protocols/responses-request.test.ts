import { describe, expect, it } from 'vitest';
import { GatewayError, isFunctionTool, type ChatRequest } from '../../../src/core';
import { responses } from '../../../src/protocols';
import { counterIds, recorded } from './fixtures';

const translate = (body: unknown, history: responses.InputItem[] = []) =>
  responses.fromResponsesRequest(responses.responsesRequestSchema.parse(body), { history, newId: counterIds() });

const toolNames = (chat: ChatRequest) => (chat.tools ?? []).filter(isFunctionTool).map((t) => t.function.name);

function refusal(f: () => unknown): { param: string | null; message: string } {
  try {
    f();
  } catch (err) {
    if (err instanceof GatewayError) return { param: err.param, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('Responses request translation', () => {
  it("carries Codex 0.169's recorded request: developer and user messages, flattened namespace, web_search dropped", () => {
    const { body } = recorded('codex-0.169.0');
    const t = translate(body);
    expect(t.chat.messages.map((m) => m.role)).toEqual(['developer', 'developer', 'user', 'user']);
    expect(t.chat.messages.at(-1)!.content).toEqual([{ type: 'text', text: 'Run echo hello' }]);
    const names = toolNames(t.chat);
    expect(names).toContain('exec_command');
    expect(names).toContain('multi_agent_v1__spawn_agent');
    expect(names.every((n) => /^[a-zA-Z0-9_-]+$/.test(n))).toBe(true);
    expect(t.tools.get('multi_agent_v1__spawn_agent')).toEqual({ kind: 'function', name: 'spawn_agent', namespace: 'multi_agent_v1' });
    expect(t.dropped).toEqual(['web_search']);
    expect(t.chat).toMatchObject({ stream: true, tool_choice: 'auto', parallel_tool_calls: true });
    // Codex's bookkeeping fields never reach a runtime.
    for (const field of ['include', 'prompt_cache_key', 'client_metadata', 'reasoning', 'store']) expect(t.chat).not.toHaveProperty(field);
    expect(t.echo.store).toBe(false);
    expect(t.input.map((i) => i.id)).toEqual((body.input as { id: string }[]).map((i) => i.id));
  });

  it("carries the Agents SDK's recorded request: instructions first, strict function tool", () => {
    const t = translate(recorded('openai-agents-0.20.0').body);
    expect(t.chat.messages).toEqual([
      { role: 'system', content: 'Use tools.' },
      { role: 'user', content: 'Weather in Paris?' },
    ]);
    expect(t.chat.tools).toMatchObject([{ type: 'function', function: { name: 'get_weather', strict: true, parameters: { required: ['city'] } } }]);
    expect(t.input).toEqual([{ type: 'message', id: 'msg_1', role: 'user', content: 'Weather in Paris?' }]);
  });

  it('offers a custom tool as a function with one string parameter, its grammar in the description', () => {
    const t = translate({
      model: 'm',
      input: 'patch it',
      tools: [
        {
          type: 'custom',
          name: 'apply_patch',
          description: 'Apply a patch.',
          format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' },
        },
      ],
    });
    const fn = t.chat.tools!.filter(isFunctionTool)[0]!.function;
    expect(fn.name).toBe('apply_patch');
    expect(fn.parameters).toEqual({ type: 'object', properties: { input: { type: 'string' } }, required: ['input'], additionalProperties: false });
    expect(fn.description).toContain('lark grammar');
    expect(fn.description).toContain('*** Begin Patch');
    expect(t.tools.get('apply_patch')).toEqual({ kind: 'custom', name: 'apply_patch' });
  });

  it('turns a history of calls and outputs into one assistant turn and tool messages, dropping reasoning', () => {
    const t = translate({
      model: 'm',
      input: [
        { role: 'user', content: 'go' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'opaque' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Running both.' }] },
        { type: 'function_call', call_id: 'c1', name: 'spawn_agent', namespace: 'multi_agent_v1', arguments: '{"task":"x"}' },
        { type: 'custom_tool_call', call_id: 'c2', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' },
        { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_text', text: 'spawned' }] },
        { type: 'custom_tool_call_output', call_id: 'c2', output: 'Done!' },
        { type: 'web_search_call', id: 'ws_1', status: 'completed' },
      ],
    });
    expect(t.chat.messages).toEqual([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: 'Running both.',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'multi_agent_v1__spawn_agent', arguments: '{"task":"x"}' } },
          { id: 'c2', type: 'function', function: { name: 'apply_patch', arguments: JSON.stringify({ input: '*** Begin Patch\n*** End Patch' }) } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'spawned' },
      { role: 'tool', tool_call_id: 'c2', content: 'Done!' },
    ]);
  });

  it('puts the stored conversation between the instructions and the new input', () => {
    const t = translate({ model: 'm', instructions: 'Now be terse.', input: 'and then?' }, [
      { type: 'message', role: 'user', content: 'first' },
      { type: 'message', id: 'msg_a', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'reply', annotations: [] }] },
    ]);
    expect(t.chat.messages).toEqual([
      { role: 'system', content: 'Now be terse.' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'reply' },
      { role: 'user', content: [{ type: 'text', text: 'and then?' }] },
    ]);
  });

  it('maps images, sampling, text.format and tool_choice onto Chat Completions', () => {
    const t = translate({
      model: 'm',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'what?' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAA', detail: 'low' },
          ],
        },
      ],
      max_output_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      user: 'u1',
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
      tools: [
        { type: 'function', name: 'a', parameters: { type: 'object' } },
        { type: 'function', name: 'b', parameters: { type: 'object' } },
      ],
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'b' }] },
    });
    expect(t.chat.messages[0]!.content).toEqual([
      { type: 'text', text: 'what?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA', detail: 'low' } },
    ]);
    expect(t.chat).toMatchObject({
      max_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      user: 'u1',
      tool_choice: 'required',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    });
    expect(toolNames(t.chat)).toEqual(['b']);
    const named = translate({ model: 'm', input: 'x', tools: [{ type: 'function', name: 'a' }], tool_choice: { type: 'function', name: 'a' } });
    expect(named.chat.tool_choice).toEqual({ type: 'function', function: { name: 'a' } });
    const hosted = translate({ model: 'm', input: 'x', tools: [{ type: 'function', name: 'a' }, { type: 'web_search' }], tool_choice: { type: 'web_search' } });
    expect(hosted.chat.tool_choice).toBe('auto');
  });

  it('refuses what it cannot carry with the field named', () => {
    expect(refusal(() => translate({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] })).param).toBe(
      'input[0].content[0].type',
    );
    expect(refusal(() => translate({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'f' }] }] })).param).toBe(
      'input[0].content[0].image_url',
    );
    expect(refusal(() => translate({ model: 'm', input: [{ type: 'function_call', name: 'a', arguments: '{}' }] })).param).toBe('input[0].call_id');
    expect(refusal(() => translate({ model: 'm', input: 'x', background: true })).param).toBe('background');
    expect(refusal(() => translate({ model: 'm', input: 'x', tools: [{ type: 'function' }] })).param).toBe('tools[0].name');
    expect(refusal(() => translate({ model: 'm', instructions: 'only this' })).param).toBe('input');
  });
});
