// The path of one request, every front door's, top to bottom. Authentication (stage 2) ran as
// middleware; the exchange arrives with its principal and its parsed body (stage 1).
//
// A new stage is one function in stages/ and one line here.
import type { Exchange, ExchangeStart } from './exchange/exchange';
import { acquireLease } from './stages/acquire';
import { admit } from './stages/admit';
import { authorize } from './stages/authorize';
import { callModel } from './stages/call-model';
import { fitContext } from './stages/fit-context';
import { mcpTools, type McpPrepared } from './stages/mcp-tools';
import { prepareTools } from './stages/prepare-tools';
import { resolveTarget } from './stages/resolve';
import { toolLoop } from './stages/tool-loop';
import { transform, type Answer, type GenerationChunk } from './stages/transform';
import type { ClientRequest } from './exchange/front-door';
import type { Fitting } from './context/fit-chat';
import type { Authorization } from './deps';
import type { Target } from './exchange/exchange';

/**
 * Stages 3–6: where the request goes and in what shape. A failure here refuses the request before
 * anything is admitted (400, 403, 404, 429); after `admit` the exchange is counted and finished once.
 * Synchronous unless an MCP server the request uses has to connect or list its tools, or the
 * context step has to count (near a model's limit).
 */
export function prepareExchange<Req extends ClientRequest, W, C>(start: ExchangeStart<Req, W, C>): Exchange<Req, W, C> | Promise<Exchange<Req, W, C>> {
  const target = resolveTarget(start); //                           3 registry
  const authorization = authorize(start, target); //                4 policy + obligations
  const mcp = mcpTools(start, target, authorization); //            4a MCP servers' tools join the request's
  return mcp instanceof Promise ? mcp.then((m) => fitted(start, target, authorization, m)) : fitted(start, target, authorization, mcp);
}

function fitted<Req extends ClientRequest, W, C>(
  start: ExchangeStart<Req, W, C>,
  target: Target,
  authorization: Authorization<Req> | undefined,
  mcp: McpPrepared<Req>,
): Exchange<Req, W, C> | Promise<Exchange<Req, W, C>> {
  const fitting = fitContext(start, target, authorization, mcp.request); // 5 context
  return fitting instanceof Promise
    ? fitting.then((f) => prepared(start, target, authorization, mcp, f))
    : prepared(start, target, authorization, mcp, fitting);
}

function prepared<Req extends ClientRequest, W, C>(
  start: ExchangeStart<Req, W, C>,
  target: Target,
  authorization: Authorization<Req> | undefined,
  mcp: McpPrepared<Req>,
  fitting: Fitting<Req>,
): Exchange<Req, W, C> {
  const tools = prepareTools(start, target, fitting.request); //    6 tools
  const x = admit(start, target, authorization, fitting.request, tools);
  x.context = fitting.context;
  x.mcp = mcp.plan;
  return x;
}

/** Stages 7–10: a slot on the model, the call, the answer as the client sees it, the tool loop. */
export async function serveExchange<Req extends ClientRequest, W, C extends GenerationChunk>(x: Exchange<Req, W, C>): Promise<Answer<C>> {
  try {
    const queued = acquireLease(x); //                              7 scheduler
    if (queued) await queued;
    const output = await callModel(x); //                           8 upstream
    if (x.mcp) return await toolLoop(x, x.mcp, output); //          10 MCP tool loop (then 9 for its last answer)
    return await transform(x, output); //                           9 OpenAI framing, turn assembly, tool calls
  } catch (err) {
    throw x.fail(err);
  }
}

// Stage 11, finish (release the lease, publish ExchangeFinished to the sinks), runs when the
// response body ends or the client goes away: see respond.ts.
