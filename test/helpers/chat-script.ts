// A scripted model for the agent doors' tests: what to answer (text, tool calls, finish reason) as
// the chat chunks a llama.cpp-style runtime streams (role first, name and id in a call's first
// delta, arguments split over several chunks, usage last) or as one whole completion.
import { GatewayError, type ChatChunk, type ChatCompletion, type ChatRequest, type Usage } from '../../src/core';
import type { Upstream } from '../../src/upstreams';

export interface ScriptedCall {
  name: string;
  arguments: string;
  id?: string;
}

export interface Reply {
  content?: string;
  reasoning?: string;
  toolCalls?: ScriptedCall[];
  finish?: string;
  usage?: Usage;
  /** Pieces each text and argument string is cut into (default 3). */
  pieces?: number;
}

export type Script = (request: ChatRequest) => Reply;

const defaultUsage: Usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };

/** `text` cut into `n` pieces (fewer for short texts), concatenating back to it. */
export function split(text: string, n: number): string[] {
  if (text.length === 0) return [];
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

const finishOf = (r: Reply) => r.finish ?? (r.toolCalls?.length ? 'tool_calls' : 'stop');

export function scriptedChunks(r: Reply, model = 'fake'): ChatChunk[] {
  const base = { id: 'chatcmpl-script', object: 'chat.completion.chunk' as const, created: 1, model };
  const delta = (d: ChatChunk['choices'][number]['delta'], finish: string | null = null): ChatChunk => ({
    ...base,
    choices: [{ index: 0, delta: d, finish_reason: finish }],
  });
  const n = r.pieces ?? 3;
  const out: ChatChunk[] = [delta({ role: 'assistant', content: '' })];
  for (const piece of split(r.reasoning ?? '', n)) out.push(delta({ reasoning_content: piece }));
  for (const piece of split(r.content ?? '', n)) out.push(delta({ content: piece }));
  (r.toolCalls ?? []).forEach((call, index) => {
    out.push(delta({ tool_calls: [{ index, id: call.id ?? `call_${index}`, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const piece of split(call.arguments, n)) out.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  out.push(delta({}, finishOf(r)));
  out.push({ ...base, choices: [], usage: r.usage ?? defaultUsage });
  return out;
}

export function scriptedCompletion(r: Reply, model = 'fake'): ChatCompletion {
  const calls = (r.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `call_${i}`, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
  return {
    id: 'chatcmpl-script',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: r.content ?? null,
          ...(calls.length ? { tool_calls: calls } : {}),
          ...(r.reasoning ? { reasoning_content: r.reasoning } : {}),
        },
        finish_reason: finishOf(r),
      },
    ],
    usage: r.usage ?? defaultUsage,
  };
}

/** The text of the last tool message of a request (what the agent's tool printed). */
export function lastToolOutput(request: ChatRequest): string | undefined {
  const tool = request.messages.findLast((m) => m.role === 'tool');
  return typeof tool?.content === 'string' ? tool.content : undefined;
}

export interface ScriptUpstreamOptions {
  /** Chunks streamed before the stream breaks with an upstream error (a runtime that died). */
  failAfter?: number;
}

/** An in-process upstream named `u` that answers every chat from `script`, recording requests. */
export function scriptUpstream(script: Script, { failAfter }: ScriptUpstreamOptions = {}): Upstream & { calls: ChatRequest[] } {
  const calls: ChatRequest[] = [];
  return {
    name: 'u',
    kind: 'openai',
    onDisconnect: 'cancel',
    pool: { connections: 64, scope: 'upstream' },
    calls,
    async chat(request, ctx) {
      calls.push(request);
      const reply = script(request);
      if (!request.stream) return { kind: 'json', body: scriptedCompletion(reply, ctx.model.upstreamModel) };
      const chunks = scriptedChunks(reply, ctx.model.upstreamModel);
      async function* stream(): AsyncGenerator<ChatChunk> {
        for (const [i, chunk] of chunks.entries()) {
          if (failAfter !== undefined && i === failAfter) throw new GatewayError('upstream_error', 'Upstream "u" closed the stream before it finished.');
          yield chunk;
        }
      }
      return { kind: 'stream', chunks: stream() };
    },
    async complete() {
      throw new Error('not scripted');
    },
    async embed() {
      throw new Error('not scripted');
    },
    listModels: async () => [],
    health: async () => true,
    close: async () => {},
  };
}
