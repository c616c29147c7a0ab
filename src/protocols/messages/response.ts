// A chat completion as an Anthropic message, the stop reason and usage in Anthropic's terms, and
// every gateway failure in Anthropic's error envelope with the status its SDKs expect.
import { jsonrepair } from 'jsonrepair';
import type { ChatCompletion, GatewayError, Usage } from '../../core';
import type { MessagesTranslation } from './request';
import type { AnthropicErrorEnvelope, AnthropicMessage, ContentBlock, MessageUsage, StopReason } from './types';

export interface MessageIdentity {
  id: string;
  model: string;
}

/**
 * `stop` is `stop_sequence` when the runtime says which stop string matched (vLLM's `stop_reason`)
 * and it is one the client sent; runtimes that do not say are reported as `end_turn`.
 */
export function stopReason(finish: string | null | undefined, hasCalls: boolean, matched: unknown, stops: readonly string[]): StopReason {
  if (hasCalls || finish === 'tool_calls' || finish === 'function_call') return 'tool_use';
  if (finish === 'length') return 'max_tokens';
  if (finish === 'content_filter') return 'refusal';
  if (typeof matched === 'string' && stops.includes(matched)) return 'stop_sequence';
  return 'end_turn';
}

export function messageUsage(usage: Usage | undefined): MessageUsage {
  return {
    input_tokens: usage?.prompt_tokens ?? 0,
    output_tokens: usage?.completion_tokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

/**
 * A tool call's arguments as the `input` object Anthropic's clients require. Small models' JSON is
 * sometimes a little off (a trailing comma, a missing brace): it is repaired rather than lost.
 */
export function toolInput(args: string): Record<string, unknown> {
  const direct = objectFrom(args);
  if (direct) return direct;
  try {
    return objectFrom(jsonrepair(args)) ?? {};
  } catch {
    return {};
  }
}

function objectFrom(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : undefined;
  } catch {
    return undefined;
  }
}

export function reasoningOf(fields: Record<string, unknown>): string | undefined {
  const r = fields.reasoning_content ?? fields.reasoning;
  return typeof r === 'string' && r ? r : undefined;
}

export function toMessage(t: MessagesTranslation, body: ChatCompletion, who: MessageIdentity, newId: (prefix: string) => string): AnthropicMessage {
  const choice = body.choices[0];
  const message = choice?.message;
  const content: ContentBlock[] = [];
  const reasoning = message && t.thinking ? reasoningOf(message) : undefined;
  if (reasoning) content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  if (message?.content) content.push({ type: 'text', text: message.content });
  for (const call of message?.tool_calls ?? [])
    content.push({ type: 'tool_use', id: call.id || newId('toolu'), name: call.function.name, input: toolInput(call.function.arguments) });
  const matched = choice && 'stop_reason' in choice ? choice.stop_reason : undefined;
  const reason = stopReason(choice?.finish_reason, (message?.tool_calls?.length ?? 0) > 0, matched, t.stopSequences);
  return {
    id: who.id,
    type: 'message',
    role: 'assistant',
    model: who.model,
    content,
    stop_reason: reason,
    stop_sequence: reason === 'stop_sequence' && typeof matched === 'string' ? matched : null,
    usage: messageUsage(body.usage),
  };
}

/**
 * Anthropic's error type and status for a gateway failure (docs.anthropic.com/en/api/errors).
 * Saturation (503 here) is Anthropic's 529 `overloaded_error`, which Claude Code retries.
 */
export function anthropicStatus(e: GatewayError): { status: number; type: string } {
  const s = e.status;
  if (s === 401) return { status: 401, type: 'authentication_error' };
  if (s === 403) return { status: 403, type: 'permission_error' };
  if (s === 404) return { status: 404, type: 'not_found_error' };
  if (s === 413) return { status: 413, type: 'request_too_large' };
  if (s === 429) return { status: 429, type: 'rate_limit_error' };
  if (s === 503) return { status: 529, type: 'overloaded_error' };
  if (s === 504) return { status: 504, type: 'timeout_error' };
  if (s >= 500) return { status: s, type: 'api_error' };
  return { status: s === 415 ? 400 : s, type: 'invalid_request_error' };
}

/** The envelope; Aegis' own detail (policy reasons, decision id) rides along inside `error`. */
export function anthropicError(e: GatewayError, requestId?: string): AnthropicErrorEnvelope {
  const envelope: AnthropicErrorEnvelope = { type: 'error', error: { ...e.details, type: anthropicStatus(e).type, message: e.message } };
  if (requestId) envelope.request_id = requestId;
  return envelope;
}
