// Stage 9, its one extra model call: an emulated call the model got wrong (arguments that break
// the tool's schema) is asked for once more, decoded under the schema of that one tool, in the
// same lease. If the retry fails too, the attempt goes to the client as content with
// finish_reason "invalid_tool_call", never as a malformed tool call.
import type { ChatCompletion } from '../../core';
import { isChatCompletion } from '../../tools';
import type { Exchange } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';
import type { Answer } from './transform';

/** The retry's whole answer, or undefined when there is nothing to retry or the call failed. */
export async function callRetry<Req extends ClientRequest, W, C>(x: Exchange<Req, W, C>): Promise<ChatCompletion | undefined> {
  const fields = x.tools?.retryFields();
  if (!fields || x.clientGone) return undefined;
  const { door, requestId, deps } = x.start;
  const request = { ...x.request, ...fields, stream: false, stream_options: undefined };
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

/** Whole answers: the retry's call replaces the invalid one in the answer the client gets. */
export async function retryToolCall<Req extends ClientRequest, W, C>(x: Exchange<Req, W, C>, answer: Answer<C>): Promise<Answer<C>> {
  const tools = x.tools;
  if (answer.kind !== 'json' || !tools?.pendingRetry || !isChatCompletion(answer.body)) return answer;
  const retry = await callRetry(x);
  tools.retried(retry);
  const final = answer.body;
  if (retry) {
    // The retry is a model call of its own; its turn carries the final answer the record keeps.
    const turn = x.newTurn();
    turn.chatCompletion(final);
    turn.usage = retry.usage;
  } else {
    const last = x.turns.at(-1);
    if (last) last.finishReason = final.choices[0]?.finish_reason;
  }
  return answer;
}
