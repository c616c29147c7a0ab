// A chat completion as a Response object: the output items (reasoning, message, tool calls), the
// status from the finish reason, and usage in the Responses shape.
import type { ChatCompletion, GatewayError, ToolCall, Usage } from '../../core';
import type { ResponsesTranslation } from './request';
import { clientTool, customInput, type ToolMap } from './tools';
import type { NewId, OutputItem, ResponseError, ResponseObject, ResponseStatus, ResponseUsage } from './types';

export interface ResponseIdentity {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** The public model name, as every answer of Aegis names it. */
  model: string;
}

/** The response before any output: what `response.created` carries. */
export function responseSkeleton(t: Pick<ResponsesTranslation, 'echo'>, who: ResponseIdentity): ResponseObject {
  return {
    id: who.id,
    object: 'response',
    created_at: who.createdAt,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    model: who.model,
    output: [],
    usage: null,
    ...t.echo,
  };
}

export function responseUsage(usage: Usage | undefined): ResponseUsage | null {
  if (!usage) return null;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
  };
}

/** `length` ends a response as incomplete (OpenAI: `max_output_tokens`), not as completed. */
export function statusOf(finishReason: string | null | undefined): { status: ResponseStatus; incomplete: { reason: string } | null } {
  if (finishReason === 'length') return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
  return { status: 'completed', incomplete: null };
}

/** A tool call of the model as the client's item: a function call, or a custom tool's call. */
export function callItem(call: ToolCall, tools: ToolMap, newId: NewId): OutputItem {
  const tool = clientTool(tools, call.function.name);
  const ns = tool.namespace ? { namespace: tool.namespace } : {};
  const callId = call.id || newId('call');
  if (tool.kind === 'custom')
    return {
      type: 'custom_tool_call',
      id: newId('ctc'),
      call_id: callId,
      name: tool.name,
      ...ns,
      input: customInput(call.function.arguments),
      status: 'completed',
    };
  return { type: 'function_call', id: newId('fc'), call_id: callId, name: tool.name, ...ns, arguments: call.function.arguments, status: 'completed' };
}

/** Reasoning text that runtimes put beside the content (`reasoning_content`: llama.cpp, vLLM; `reasoning`: Ollama). */
export function reasoningText(fields: Record<string, unknown>): string | undefined {
  const r = fields.reasoning_content ?? fields.reasoning;
  return typeof r === 'string' && r ? r : undefined;
}

export function toResponse(t: ResponsesTranslation, body: ChatCompletion, who: ResponseIdentity, newId: NewId): ResponseObject {
  const response = responseSkeleton(t, who);
  const choice = body.choices[0];
  const message = choice?.message;
  const reasoning = message ? reasoningText(message) : undefined;
  if (reasoning) response.output.push({ type: 'reasoning', id: newId('rs'), summary: [], content: [{ type: 'reasoning_text', text: reasoning }] });
  if (message?.content)
    response.output.push({
      type: 'message',
      id: newId('msg'),
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: message.content, annotations: [] }],
    });
  for (const call of message?.tool_calls ?? []) response.output.push(callItem(call, t.tools, newId));
  const { status, incomplete } = statusOf(choice?.finish_reason);
  response.status = status;
  response.incomplete_details = incomplete;
  response.usage = responseUsage(body.usage);
  return response;
}

/**
 * A gateway failure as a response's error. The codes are those Codex acts on
 * (codex-api/src/sse/responses.rs): `context_length_exceeded` and `insufficient_quota` stop it,
 * `rate_limit_exceeded` with "try again in Ns" and `server_is_overloaded` make it retry.
 */
export function responseError(e: GatewayError): ResponseError {
  switch (e.code) {
    case 'context_length_exceeded':
      return { code: 'context_length_exceeded', message: e.message };
    case 'rate_limit_exceeded':
    case 'rate_limited':
    case 'queue_full':
      return { code: 'rate_limit_exceeded', message: e.retryAfter === undefined ? e.message : `${e.message} Please try again in ${e.retryAfter}s.` };
    case 'preempted':
    case 'queue_timeout':
    case 'model_load_failed':
    case 'insufficient_resources':
    case 'shutting_down':
      return { code: 'server_is_overloaded', message: e.message };
    case 'invalid_request':
    case 'capability_not_supported':
      return { code: 'invalid_prompt', message: e.message };
    default:
      return { code: 'server_error', message: e.message };
  }
}
