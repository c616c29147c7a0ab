// A finished exchange as the record the RAG store keeps, and the policy's logging obligations as
// the recorder's: what the gateway publishes becomes what the organisation's memory holds.
import type { ChatMessage, ExchangeFinished } from '../core';
import { optionalPatterns } from './redact';
import type { ExchangeRecord, RecordedMessage, RecordedTruncation, RecordObligations } from './types';

/** Secret classes the redactor always applies; the policy names them too, so they are not regexes. */
const builtIn = new Set(['api_key', 'cloud_credential', 'jwt', 'private_key']);

/** The policy's redaction classes the recorder must add to its always-on set. */
export function obligationRedactions(redact: readonly string[]): string[] {
  return redact.filter((r) => r in optionalPatterns || !builtIn.has(r));
}

/** What the policy allows to be kept of an exchange (everything when no policy decided). */
export function recordObligations(e: ExchangeFinished): RecordObligations {
  return { redact: obligationRedactions(e.decision?.redact ?? []), log: e.decision?.log === false ? 'metadata' : 'full' };
}

function text(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' ? String((p as { text?: unknown }).text ?? '') : `[${p.type}]`)).join('\n');
}

function recorded(messages: readonly ChatMessage[]): RecordedMessage[] {
  return messages.map((m) => ({
    role: m.role === 'function' ? 'tool' : m.role,
    content: text(m.content),
    ...(m.name ? { name: m.name } : {}),
    ...(m.tool_call_id ? { toolCallId: m.tool_call_id } : {}),
    ...(m.tool_calls ? { toolCalls: m.tool_calls.map((t) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments })) } : {}),
  }));
}

/** What context fitting cut, when it cut anything (the dropped texts go through the same redaction). */
function truncation(e: ExchangeFinished): RecordedTruncation | undefined {
  const c = e.context;
  if (!c || (c.dropped === 0 && c.shortened === 0)) return undefined;
  return {
    strategy: c.strategy,
    droppedMessages: c.dropped,
    droppedTokens: c.droppedTokens,
    shortenedMessages: c.shortened,
    promptTokens: c.tokens,
    contextLength: c.limit,
    ...(e.droppedMessages?.length ? { dropped: recorded(e.droppedMessages) } : {}),
  };
}

function recordedMessages(e: ExchangeFinished): RecordedMessage[] {
  if (e.messages) return recorded(e.messages);
  const prompt = Array.isArray(e.prompt) ? e.prompt.join('\n') : (e.prompt ?? '');
  return prompt ? [{ role: 'user', content: prompt }] : [];
}

/** The client's calls (from the last answer) and the MCP calls the gateway ran, each once. */
function recordedToolCalls(e: ExchangeFinished): ExchangeRecord['toolCalls'] {
  const mcp = e.mcpCalls ?? [];
  const ran = new Set(mcp.map((c) => c.id));
  return [
    ...e.toolCalls.filter((t) => !ran.has(t.id)).map((t) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments, source: 'client' as const })),
    ...mcp.map((c) => ({
      id: c.id,
      name: c.name,
      arguments: c.arguments,
      source: 'mcp' as const,
      result: c.output,
      ...(c.error ? { error: `${c.outcome}: ${c.error}` } : {}),
    })),
  ];
}

export function exchangeRecord(e: ExchangeFinished): ExchangeRecord {
  return {
    id: e.requestId,
    requestId: e.requestId,
    time: new Date(e.startedAt).toISOString(),
    endedAt: new Date(e.endedAt).toISOString(),
    principalId: e.principalId,
    route: e.route,
    api: e.api,
    model: e.model,
    modelVersion: e.modelVersion,
    upstream: e.upstream,
    upstreamModel: e.upstreamModel,
    stream: e.stream,
    messages: recordedMessages(e),
    truncation: truncation(e),
    answer: e.answer,
    finishReason: e.finishReason,
    toolCalls: recordedToolCalls(e),
    usage: e.usage ? { promptTokens: e.usage.prompt_tokens, completionTokens: e.usage.completion_tokens, totalTokens: e.usage.total_tokens } : undefined,
    latencyMs: e.endedAt - e.startedAt,
    ttftMs: e.firstTokenAt === undefined ? undefined : e.firstTokenAt - e.startedAt,
    status: e.status,
    error: e.errorCode ? { code: e.errorCode, message: e.errorMessage ?? e.errorCode } : undefined,
    complete: e.status === 200 && e.finishReason != null,
    decisionId: e.decision?.id,
    decision: e.decision ? { reasons: e.decision.reasons } : undefined,
    ...(e.labels ? { labels: { ...e.labels } } : {}),
  };
}
