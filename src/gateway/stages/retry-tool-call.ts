// Stage 9, its one extra model call: an emulated call the model got wrong (arguments that break
// the tool's schema) is asked for once more, decoded under the schema of that one tool, in the
// same lease. If the retry fails too, the attempt goes to the client as content with
// finish_reason "invalid_tool_call", never as a malformed tool call.
import type { ChatCompletion } from '../../core';
import { isChatCompletion, type ToolSession } from '../../tools';
import type { Exchange } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';

/**
 * The retry's whole answer, or undefined when there is nothing to retry or the call failed. The
 * MCP tool loop passes each round's own tools and request.
 */
export async function callRetry<Req extends ClientRequest, W, C>(
  x: Exchange<Req, W, C>,
  tools: ToolSession | undefined = x.tools,
  original: Req = x.request,
): Promise<ChatCompletion | undefined> {
  const fields = tools?.retryFields();
  if (!fields || x.clientGone) return undefined;
  const { door, requestId, deps } = x.start;
  const request = { ...original, ...fields, stream: false, stream_options: undefined };
  x.upstreamCall();
  try {
    const out = await door.call(x.target.upstream, request, { model: x.target.entry, signal: x.cancel, requestId });
    x.upstreamDone();
    return out.kind === 'json' && isChatCompletion(out.body) ? out.body : undefined;
  } catch (err) {
    x.upstreamDone();
    // Cancelled (client gone, preempted): the exchange fails as any other would.
    if (x.cancel.aborted) throw err;
    deps.logger.warn({ requestId, err: (err as Error).message }, 'constrained retry of an invalid tool call failed');
    return undefined;
  }
}
