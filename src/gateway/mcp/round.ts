// One model call of the tool loop: the request for the round (the exchange's base request plus
// what the loop appended, fitted into the window with the exchange's context plan and shaped for
// the model's tools as the first call was), and the answer read into a new turn with its tool
// calls in OpenAI's shape (parsed from an emulated model's text, one constrained retry of an
// invalid call) and kept whole, so the loop sees its calls before anything reaches the client.
import { GatewayError, type ChatChunk } from '../../core';
import type { ModelReply, NextRound } from '../../mcp';
import { isChatChunk, isChatCompletion, type ToolSession } from '../../tools';
import type { Streamed, Whole } from '../../upstreams';
import { runPlan } from '../context/fit-chat';
import type { Exchange } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';
import type { McpPlan } from '../exchange/mcp-plan';
import { prepareTools } from '../stages/prepare-tools';
import { callRetry } from '../stages/retry-tool-call';
import type { GenerationChunk } from '../stages/transform';
import { functionName, isRecord } from './shapes';

/** A round's answer, kept to be delivered if it is the last. */
export type Delivery<W, C> = Whole<W> | { kind: 'stream'; chunks: C[] };

/** A model call of the loop: the request as the runtime gets it and how its tools are read. */
export interface Round<Req extends ClientRequest> {
  request: Req;
  tools: ToolSession | undefined;
}

export async function nextRound<Req extends ClientRequest, W, C>(x: Exchange<Req, W, C>, plan: McpPlan<Req>, next: NextRound): Promise<Round<Req>> {
  const { base } = plan;
  const isMcp = (t: unknown) => plan.tools.has(functionName(t) ?? '');
  const all: readonly unknown[] = Array.isArray(base.tools) ? base.tools : [];
  const tools = next.withoutTools ? all.filter((t) => !isMcp(t)) : all;
  let choice = base.tool_choice;
  // A forced choice would force another call every round (LiteLLM drops it in its follow-up too).
  if (choice === 'required' || (isRecord(choice) && isMcp(choice))) choice = tools.length > 0 ? 'auto' : undefined;
  const unfitted = Object.assign({}, base, {
    messages: [...plan.messages, ...next.messages],
    tools: tools.length > 0 ? tools : undefined,
    tool_choice: tools.length > 0 ? choice : undefined,
  });
  // Tool results are messages like any other: they are fitted into the window with the rest, by
  // the plan the first call was fitted with (strategy, counter, remembered cut).
  const context = x.context?.plan;
  const request = context ? (await runPlan({ ...context, request: unfitted })).request : unfitted;
  return { request, tools: prepareTools(x.start, x.target, request) };
}

/** The round's request as the runtime gets it: emulated tools rewrite instructions and history. */
export const upstreamRequest = <Req extends ClientRequest>({ request, tools }: Round<Req>): Req => (tools ? { ...request, ...tools.plan.upstream } : request);

/**
 * Takes an upstream answer into a new turn and keeps it (a stream is read to its end), its tool
 * calls read by the round's tool session. Only doors whose chunks are chat chunks run the loop.
 */
export async function assemble<Req extends ClientRequest, W, C extends GenerationChunk>(
  x: Exchange<Req, W, C>,
  round: Round<Req>,
  output: Whole<W> | Streamed<C>,
): Promise<ModelReply<Delivery<W, C>>> {
  const own = x.start.door.chatChunk;
  if (!own) throw new GatewayError('internal_error', 'The MCP tool loop ran for a door without chat chunks.');
  const { tools } = round;
  let turn = x.newTurn();
  const reply = (handle: Delivery<W, C>) => ({ toolCalls: turn.toolCalls.filter(Boolean), content: turn.answer, handle });
  if (output.kind === 'json') {
    x.upstreamDone();
    if (x.stream) throw new GatewayError('upstream_error', `Upstream "${x.target.upstream.name}" answered a streamed request with a whole response.`);
    const body = output.body;
    if (!isChatCompletion(body)) return reply(output);
    tools?.whole(body);
    if (tools?.pendingRetry) {
      // An invalid emulated call gets its constrained retry, a model call of its own whose turn
      // carries the answer (the first keeps the first call's tokens).
      const retried = await callRetry(x, tools, round.request);
      tools.retried(retried);
      if (retried) {
        turn.usage = body.usage ?? undefined;
        turn = x.newTurn();
        turn.chatCompletion(body);
        turn.usage = retried.usage;
        return reply(output);
      }
    }
    turn.chatCompletion(body);
    return reply(output);
  }
  const chunks: C[] = [];
  const take = (out: readonly ChatChunk[]) => {
    for (const c of out) {
      turn.chatChunk(c);
      chunks.push(own(c));
    }
  };
  const stream = tools?.stream();
  for await (const chunk of output.chunks) {
    if (!stream || !isChatChunk(chunk)) {
      if (isChatChunk(chunk)) turn.chatChunk(chunk);
      chunks.push(chunk);
      continue;
    }
    // The upstream's tokens are counted from its usage; what the client sees is the tool stream's.
    if (chunk.usage) turn.usage = chunk.usage;
    if (chunk.choices.length > 0) take(stream.push(chunk));
  }
  // The round's model time ends with its last chunk; a retry is a call of its own.
  x.upstreamDone();
  if (tools && stream) {
    if (stream.pendingRetry) {
      // The retry finishes the streamed answer: its turn continues this one.
      const retried = await callRetry(x, tools, round.request);
      tools.retried(retried);
      if (retried) {
        const next = x.newTurn();
        next.continueFrom(turn);
        next.usage = retried.usage;
        turn = next;
      }
      take(stream.take());
    }
    take(stream.end());
  }
  return reply({ kind: 'stream', chunks });
}
