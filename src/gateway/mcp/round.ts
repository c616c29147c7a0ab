// One model call of the tool loop: the request for the round (the exchange's base request plus
// what the loop appended, through the same context and tool stages as the first call), and the
// answer taken into a new turn and kept whole, so the loop can see its calls before anything of it
// reaches the client.
import { GatewayError } from '../../core';
import type { ModelReply, NextRound } from '../../mcp';
import type { Streamed, Whole } from '../../upstreams';
import type { Exchange, Target } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';
import type { McpPlan } from '../exchange/mcp-plan';
import type { Turn } from '../exchange/turn';
import { fitContext } from '../stages/fit-context';
import { prepareTools } from '../stages/prepare-tools';
import { functionName, isChatChunk, isChatCompletion, isRecord } from './shapes';

/** A round's answer, kept to be delivered if it is the last. */
export type Delivery<W, C> = Whole<W> | { kind: 'stream'; chunks: C[] };

export function roundRequest<Req extends ClientRequest>(target: Target, plan: McpPlan<Req>, next: NextRound): Req {
  const { base } = plan;
  const isMcp = (t: unknown) => plan.tools.has(functionName(t) ?? '');
  const all: readonly unknown[] = Array.isArray(base.tools) ? base.tools : [];
  const tools = next.withoutTools ? all.filter((t) => !isMcp(t)) : all;
  let choice = base.tool_choice;
  // A forced choice would force another call every round (LiteLLM drops it in its follow-up too).
  if (choice === 'required' || (isRecord(choice) && isMcp(choice))) choice = tools.length > 0 ? 'auto' : undefined;
  const request = Object.assign({}, base, {
    messages: [...plan.messages, ...next.messages],
    tools: tools.length > 0 ? tools : undefined,
    tool_choice: tools.length > 0 ? choice : undefined,
  });
  // Tool results are messages like any other: they are fitted into the window with the rest.
  return prepareTools(target, fitContext(target, request));
}

/** Takes an upstream answer into `turn` and keeps it (a stream is read to its end). */
export async function assemble<W, C>(x: Exchange<ClientRequest, W, C>, output: Whole<W> | Streamed<C>, turn: Turn): Promise<ModelReply<Delivery<W, C>>> {
  if (output.kind === 'json') {
    if (x.stream) throw new GatewayError('upstream_error', `Upstream "${x.target.upstream.name}" answered a streamed request with a whole response.`);
    if (isChatCompletion(output.body)) turn.chatCompletion(output.body);
    return { toolCalls: turn.toolCalls.filter(Boolean), content: turn.answer, handle: output };
  }
  const chunks: C[] = [];
  for await (const chunk of output.chunks) {
    if (isChatChunk(chunk)) turn.chatChunk(chunk);
    chunks.push(chunk);
  }
  return { toolCalls: turn.toolCalls.filter(Boolean), content: turn.answer, handle: { kind: 'stream', chunks } };
}
