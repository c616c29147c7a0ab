// What both agent doors do at the edge, after translating the client's body: new ids, the
// headers that say what the translation changed (tools dropped, max_tokens clamped), and SSE
// framing for codecs that frame their own events.
import { sseData, timeOrderedUuid, type ChatRequest, type GatewayError, type Logger } from '../../core';
import type { GatewaySnapshot } from '../deps';
import type { SseFraming } from '../sse-response';

/** `resp_…`, `msg_…`, `call_…`: OpenAI's and Anthropic's id shapes; time-ordered, as stored responses are keyed by them. */
export function newId(prefix: string): string {
  return `${prefix}_${timeOrderedUuid().replace(/-/g, '')}`;
}

export const DROPPED_TOOLS_HEADER = 'x-aegis-dropped-tools';
export const CLAMPED_HEADER = 'x-aegis-max-tokens-clamped';

export interface EdgeNotes {
  requestId: string;
  logger: Logger;
  /** Tools the model was not offered (hosted tools Aegis cannot run). */
  dropped: readonly string[];
}

/**
 * Agents ask for more output than a local model's window holds (Claude Code sends max_tokens
 * 32000): the request is clamped to the model's context length, and the response says so.
 * Unknown models are left alone here; stage 3 refuses them with the door's 404.
 */
export function clampMaxTokens(snapshot: GatewaySnapshot, chat: ChatRequest): string | undefined {
  const limit = snapshot.catalog.resolve(chat.model)?.contextLength;
  const asked = chat.max_tokens;
  if (limit === undefined || asked == null || asked <= limit) return undefined;
  chat.max_tokens = limit;
  return `${asked} to ${limit} (the model's context length)`;
}

/** The headers for what the translation changed; said in the log too (once per request). */
export function edgeHeaders({ requestId, logger, dropped }: EdgeNotes, clamped: string | undefined): Record<string, string> | undefined {
  if (dropped.length === 0 && clamped === undefined) return undefined;
  const headers: Record<string, string> = {};
  if (dropped.length > 0) {
    headers[DROPPED_TOOLS_HEADER] = dropped.join(', ');
    logger.info({ requestId, dropped }, 'tools Aegis cannot run were not offered to the model');
  }
  if (clamped !== undefined) {
    headers[CLAMPED_HEADER] = clamped;
    // Debug only: Claude Code asks 32000 on every request, so this would be a line per request.
    logger.debug({ requestId, maxTokens: clamped }, 'max_tokens clamped');
  }
  return headers;
}

/** Framing for codecs that return finished SSE bytes (named events, no `[DONE]`). */
export function eventFraming(failure: (error: GatewayError) => Uint8Array): SseFraming {
  return {
    event: (payload) => (payload instanceof Uint8Array ? payload : sseData(payload)),
    done: undefined,
    failure,
  };
}
