// The agent doors in front of a model without native tools: the tools are rendered into its prompt
// and its answer decoded under Aegis' call schema, and what Codex or Claude Code receive are real
// function_call items and tool_use blocks, streamed or whole, an invalid call retried once.
import { describe, expect, it } from 'vitest';
import type { ChatChunk, ChatCompletion, ChatRequest } from '../../../src/core';
import { defaultToolsConfig, type ToolsConfig } from '../../../src/tools';
import { inProcessApp } from '../../helpers/app';
import { parseSse } from '../../helpers/sse';
import { modelEntry } from './fixtures';

const weather = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

/** An emulated model: answers with `answers[n]` (JSON text) on its n-th call, whole or in three pieces. */
function setup(answers: string[], tools: ToolsConfig = defaultToolsConfig) {
  const emulated = modelEntry({ capabilities: { chat: true, completion: true, embeddings: false, tools: 'emulated', vision: false } });
  const harness = inProcessApp({ models: [emulated], options: { tools } });
  const seen: ChatRequest[] = [];
  harness.upstream.chat = async (request, ctx) => {
    seen.push(JSON.parse(JSON.stringify(request)));
    const answer = answers[Math.min(seen.length, answers.length) - 1]!;
    const model = ctx.model.upstreamModel;
    if (!request.stream) {
      const body: ChatCompletion = {
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
        usage,
      };
      return { kind: 'json', body };
    }
    const base = { id: 'c', object: 'chat.completion.chunk' as const, created: 1, model };
    const pieces = [answer.slice(0, 5), answer.slice(5, 25), answer.slice(25)];
    return {
      kind: 'stream',
      chunks: (async function* (): AsyncGenerator<ChatChunk> {
        for (const content of pieces) yield { ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }] };
        yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
        yield { ...base, choices: [], usage };
      })(),
    };
  };
  const post = (path: string, body: unknown) =>
    harness.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
  return { ...harness, seen, post };
}

const call = JSON.stringify({ tool_calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
const responsesTools = [{ type: 'function', name: 'get_weather', parameters: weather }];
const messagesTools = [{ name: 'get_weather', input_schema: weather }];

describe('the Responses door on an emulated model', () => {
  it('streams a function_call item for the call the model wrote as JSON', async () => {
    const s = setup([call]);
    const res = await s.post('/v1/responses', { model: 'm', input: 'Weather in Paris?', tools: responsesTools, stream: true });
    const events = parseSse(await res.text());
    const done = events.find((e) => e.data.type === 'response.completed')!.data.response as { output: Record<string, unknown>[] };
    expect(done.output).toEqual([expect.objectContaining({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' })]);
    // Nothing of the model's JSON reached the client as text.
    expect(events.filter((e) => e.data.type === 'response.output_text.delta')).toEqual([]);
    expect(s.seen[0]!.tools).toBeUndefined();
    expect(s.seen[0]!.response_format).toBeDefined();
  });

  it('retries an invalid freely decoded call once under the tool schema and answers with the repaired call', async () => {
    // Free decoding (`tools.decoding: lenient`): the call is written in text, its arguments miss `city`.
    const invalid = '<tool_call>{"name": "get_weather", "arguments": {}}</tool_call>';
    const s = setup([invalid, call], { ...defaultToolsConfig, decoding: 'lenient' });
    const res = await s.post('/v1/responses', { model: 'm', input: 'Weather in Paris?', tools: responsesTools });
    const body = (await res.json()) as { output: Record<string, unknown>[]; usage: { total_tokens: number } };
    expect(s.seen).toHaveLength(2);
    expect(s.seen[0]!.response_format).toBeUndefined();
    expect(s.seen[1]!.response_format).toBeDefined();
    expect(body.output).toEqual([expect.objectContaining({ type: 'function_call', name: 'get_weather' })]);
    expect(JSON.parse(String(body.output[0]!.arguments))).toEqual({ city: 'Paris' });
  });
});

describe('the Messages door on an emulated model', () => {
  it('streams a tool_use block for the call the model wrote as JSON', async () => {
    const s = setup([call]);
    const res = await s.post('/v1/messages', {
      model: 'm',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: messagesTools,
      stream: true,
    });
    const events = parseSse(await res.text());
    const start = events.find((e) => e.data.type === 'content_block_start' && (e.data.content_block as { type: string }).type === 'tool_use');
    expect(start?.data.content_block).toMatchObject({ type: 'tool_use', name: 'get_weather' });
    const json = events
      .filter((e) => e.data.type === 'content_block_delta' && (e.data.delta as { type: string }).type === 'input_json_delta')
      .map((e) => (e.data.delta as { partial_json: string }).partial_json)
      .join('');
    expect(JSON.parse(json)).toEqual({ city: 'Paris' });
    expect(events.find((e) => e.data.type === 'message_delta')?.data.delta).toMatchObject({ stop_reason: 'tool_use' });
    expect(events.filter((e) => e.data.type === 'content_block_delta' && (e.data.delta as { type: string }).type === 'text_delta')).toEqual([]);
  });

  it('answers a whole request with a tool_use block', async () => {
    const s = setup([call]);
    const res = await s.post('/v1/messages', { model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: messagesTools });
    const body = (await res.json()) as { content: Record<string, unknown>[]; stop_reason: string };
    expect(body.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } })]);
    expect(body.stop_reason).toBe('tool_use');
  });
});
