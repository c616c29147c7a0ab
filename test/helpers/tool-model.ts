// A model for tool-loop tests: it calls `tool` (with `args`) whenever the request offers it, and
// answers in text otherwise: the "fake upstream that always calls the tool". It answers whole or
// streamed, as asked, and records every request exactly as the gateway sent it.
import type { ChatChunk, ChatCompletion } from '../../src/core';
import type { ScriptedUpstream } from './app';

export interface ToolModel {
  requests: Record<string, unknown>[];
}

const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

function offered(request: Record<string, unknown>, name: string): boolean {
  return Array.isArray(request.tools) && request.tools.some((t) => (t as { function?: { name?: string } }).function?.name === name);
}

async function* stream(model: string, parts: ChatChunk['choices'][number]['delta'][], finish: string): AsyncGenerator<ChatChunk> {
  const base = { id: 'c-tool', object: 'chat.completion.chunk' as const, created: 1, model };
  for (const delta of parts) yield { ...base, choices: [{ index: 0, delta, finish_reason: null }] };
  yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] };
  yield { ...base, choices: [], usage };
}

/** Makes `upstream` a model that always calls `tool` when offered; `text` is its answer otherwise. */
export function toolModel(
  upstream: ScriptedUpstream,
  tool: string,
  args: Record<string, unknown>,
  text = (n: number) => `final answer after ${n} calls`,
): ToolModel {
  const m: ToolModel = { requests: [] };
  upstream.chat = async (request, ctx) => {
    m.requests.push(JSON.parse(JSON.stringify(request)) as Record<string, unknown>);
    const n = m.requests.length;
    const model = ctx.model.upstreamModel;
    const calling = offered(request, tool);
    const id = `call_${n}`;
    if (request.stream) {
      const parts: ChatChunk['choices'][number]['delta'][] = calling
        ? [
            { role: 'assistant', tool_calls: [{ index: 0, id, type: 'function', function: { name: tool, arguments: '' } }] },
            { tool_calls: [{ index: 0, function: { arguments: JSON.stringify(args) } }] },
          ]
        : [{ role: 'assistant', content: 'final ' }, { content: text(n - 1).replace(/^final /, '') }];
      return { kind: 'stream', chunks: stream(model, parts, calling ? 'tool_calls' : 'stop') };
    }
    const body: ChatCompletion = {
      id: 'c-tool',
      object: 'chat.completion',
      created: 1,
      model,
      choices: [
        {
          index: 0,
          message: calling
            ? { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: tool, arguments: JSON.stringify(args) } }] }
            : { role: 'assistant', content: text(n - 1) },
          finish_reason: calling ? 'tool_calls' : 'stop',
        },
      ],
      usage,
    };
    return { kind: 'json', body };
  };
  return m;
}
