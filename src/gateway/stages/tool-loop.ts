// Stage 10: while the model calls MCP tools, the gateway runs them (src/mcp's loop, through the
// ports wired here: the upstream, the policy's tool decision, the MCP pool) and calls the model
// again under the same lease, one turn per call; the client gets one answer.
//
// Streams: every round is read whole before anything of it is shown, because only the assembled
// turn says whether an answer calls tools (an emulated model's calls are parsed from its text).
// While rounds and tools run the client sees `: running mcp__x__y` keep-alive comments; the last
// answer is then streamed as its chunks came. Showing the last round live would need knowing it is
// the last before the model wrote it.
import { Cancellation, GatewayError, type ExchangeToolStats } from '../../core';
import { runToolLoop, type ToolInvocation } from '../../mcp';
import type { Streamed, Whole } from '../../upstreams';
import type { Exchange } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';
import type { McpPlan } from '../exchange/mcp-plan';
import { clientToolCalls, finalOutput } from '../mcp/final-answer';
import { recordCall } from '../mcp/record-call';
import { assemble, nextRound, upstreamRequest } from '../mcp/round';
import { render, type Answer, type GenerationChunk } from './transform';

export async function toolLoop<Req extends ClientRequest, W, C extends GenerationChunk>(
  x: Exchange<Req, W, C>,
  plan: McpPlan<Req>,
  output: Whole<W> | Streamed<C>,
): Promise<Answer<C>> {
  const { deps, door, principal, requestId } = x.start;
  const servers = deps.mcp;
  if (!servers) throw new GatewayError('internal_error', 'An exchange with MCP tools has no MCP pool.');
  // The loop stops for a client that went away in either disconnect mode: nobody would read what
  // further tools and rounds produce (drain mode only lets the model call already running finish).
  const stop = new Cancellation();
  const cancelled = () => stop.abort(x.cancel.reason);
  x.cancel.addEventListener('abort', cancelled);
  const unwatch = x.whenClientGone(() => stop.abort(new GatewayError('client_closed_request', 'Client closed the request.')));
  const { entry, upstream } = x.target;
  try {
    const first = await assemble(x, { request: x.request, tools: x.tools }, output);
    const result = await runToolLoop(
      first,
      {
        async callModel(next) {
          const round = await nextRound(x, plan, next);
          if (stop.aborted) throw stop.reason;
          x.upstreamCall();
          const out = await door.call(upstream, upstreamRequest(round), { model: entry, signal: x.cancel, requestId });
          const reply = await assemble(x, round, out);
          if (round.tools && x.tools) addToolStats(x.tools.stats, round.tools.stats);
          return reply;
        },
        authorizeTool: (call: ToolInvocation) => deps.policy?.checkTool?.({ principal, route: door.route, model: entry, call }) ?? { allow: true, reasons: [] },
        executeTool: (call, options) => servers.call(call.server, call.tool, call.arguments, options),
      },
      {
        tools: plan.tools,
        limits: { ...servers.limits, callTimeoutMs: (server) => servers.callTimeoutMs(server) },
        clock: deps.clock,
        signal: stop,
        onProgress: (text) => {
          x.progress = text;
        },
        onCall: (record) => recordCall(x, record),
      },
    );
    const last = x.turns.at(-1)!;
    return render(x, finalOutput(result.reply.handle, last, result.hidden, clientToolCalls(result.calls), x.usage()));
  } finally {
    x.cancel.removeEventListener('abort', cancelled);
    unwatch();
  }
}

/** A later round's tool counters added to the exchange's (the record and metrics read those). */
function addToolStats(into: ExchangeToolStats, round: ExchangeToolStats): void {
  into.calls += round.calls;
  into.parseFailures += round.parseFailures;
  into.repairs += round.repairs;
  if (round.retry) into.retry = into.retry === 'failed' ? 'failed' : round.retry;
}
