// The tool loop's last answer as the client sees it: the MCP calls the gateway ran (or refused to
// run) taken out, so a client only ever sees calls to its own tools, and an `aegis_tool_calls`
// list of every MCP call of the exchange — on the body, or on the stream's last chunk.
import type { ChatChunk, Usage } from '../../core';
import type { ToolCallRecord } from '../../mcp';
import type { Streamed, Whole } from '../../upstreams';
import type { Turn } from '../exchange/turn';
import type { Delivery } from './round';
import { isChatChunk, isChatCompletion } from './shapes';

/** One MCP call as the client reads it (close to the Responses API's `mcp_call` item). */
export interface ClientToolCall {
  type: 'mcp_call';
  id: string;
  server_label: string;
  name: string;
  arguments: string;
  status: string;
  output: string;
  error?: string;
  round: number;
  duration_ms: number;
}

export function clientToolCalls(records: readonly ToolCallRecord[]): ClientToolCall[] {
  return records.map((r) => ({
    type: 'mcp_call',
    id: r.id,
    server_label: r.server,
    name: r.tool || r.name,
    arguments: r.arguments,
    status: r.outcome,
    output: r.output,
    ...(r.error ? { error: r.error } : {}),
    round: r.round,
    duration_ms: r.durationMs,
  }));
}

async function* replay<C>(chunks: readonly C[]): AsyncGenerator<C> {
  yield* chunks;
}

/** Hides the calls in `hidden` from a chunk's deltas (renumbering the rest); false when nothing is left. */
function stripChunk(chunk: ChatChunk, renumber: ReadonlyMap<number, number>, hiddenIndexes: ReadonlySet<number>, anyKept: boolean): boolean {
  let meaningful = chunk.choices.length === 0 || chunk.usage != null;
  for (const choice of chunk.choices) {
    const delta = choice.delta;
    if (delta.tool_calls) {
      const kept = delta.tool_calls.filter((d) => !hiddenIndexes.has(d.index)).map((d) => ({ ...d, index: renumber.get(d.index) ?? d.index }));
      if (kept.length > 0) delta.tool_calls = kept;
      else delete delta.tool_calls;
    }
    if (choice.finish_reason === 'tool_calls' && !anyKept) choice.finish_reason = 'stop';
    if (choice.finish_reason || Object.values(delta).some((v) => v !== undefined && v !== null && v !== '')) meaningful = true;
  }
  return meaningful;
}

export function finalOutput<W, C>(
  delivery: Delivery<W, C>,
  turn: Turn,
  hidden: ReadonlySet<string>,
  listed: ClientToolCall[],
  usage: Usage | undefined,
): Whole<W> | Streamed<C> {
  if (delivery.kind === 'json') {
    const body = delivery.body;
    if (isChatCompletion(body)) {
      for (const choice of body.choices) {
        const calls = choice.message.tool_calls?.filter((c) => !hidden.has(c.id));
        if (calls && calls.length > 0) choice.message.tool_calls = calls;
        else delete choice.message.tool_calls;
        if (choice.finish_reason === 'tool_calls' && !calls?.length) choice.finish_reason = 'stop';
      }
      Object.assign(body, { aegis_tool_calls: listed });
      if (usage) body.usage = usage;
    }
    return delivery;
  }
  const hiddenIndexes = new Set<number>();
  const renumber = new Map<number, number>();
  turn.toolCalls.forEach((c, i) => {
    if (hidden.has(c.id)) hiddenIndexes.add(i);
    else renumber.set(i, renumber.size);
  });
  const chunks =
    hidden.size > 0 ? delivery.chunks.filter((c) => !isChatChunk(c) || stripChunk(c, renumber, hiddenIndexes, renumber.size > 0)) : delivery.chunks;
  // The list rides on the chunk that ends the answer (or the last with a choice, if none says so).
  let last: ChatChunk | undefined;
  for (const c of chunks) {
    if (!isChatChunk(c) || c.choices.length === 0) continue;
    if (c.choices.some((ch) => ch.finish_reason)) last = c;
    else if (!last?.choices.some((ch) => ch.finish_reason)) last = c;
  }
  if (last) Object.assign(last, { aegis_tool_calls: listed });
  return { kind: 'stream', chunks: replay(chunks) };
}
