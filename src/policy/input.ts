// Builds the policy input document from what the gateway already knows. It copies only the fields
// rules read: the input is serialised into wasm memory on every evaluation, so size is latency.
import { argumentFacts, foundFacts, hasImages, messageFacts, secretFacts, type ChatMessageLike } from './facts';
import type { PolicyInput, PolicyModel, PolicyPrincipal, PolicyRoute, PolicyTime, PolicyToolCall, PolicyUsage } from './types';

/** Structurally a registry ModelEntry (src/policy may not import src/registry). */
export interface ModelLike {
  name: string;
  version: string;
  aliases: readonly string[];
  tags: readonly string[];
  priority: string;
  upstream: string;
}

/** The parts of an OpenAI chat / completions / embeddings request body the policy looks at. */
export interface RequestBodyLike {
  messages?: readonly ChatMessageLike[];
  prompt?: unknown;
  input?: unknown;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stream?: boolean | null;
  tools?: ReadonlyArray<{ type?: string; function?: { name?: string } }>;
}

export interface PolicyInputOptions {
  principal: PolicyPrincipal;
  route: PolicyRoute;
  model?: ModelLike;
  body?: RequestBodyLike;
  /** From the context step's token count (or its estimate). */
  estimatedPromptTokens?: number;
  usage?: PolicyUsage;
  /** Clock#now(): the policy never reads the time itself. */
  nowMs: number;
  truncation?: string;
  priority?: string;
}

/** Only what rules match on: the entry's provenance, footprint and capabilities stay out. */
export function policyModel(m: ModelLike): PolicyModel {
  return { name: m.name, version: m.version, aliases: [...m.aliases], tags: [...m.tags], priority: m.priority, upstream: m.upstream };
}

function* promptTexts(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') yield v;
}

export function policyTime(nowMs: number): PolicyTime {
  const now = new Date(nowMs);
  return { now_ms: nowMs, hour_utc: now.getUTCHours(), weekday: now.getUTCDay() };
}

export function buildPolicyInput(o: PolicyInputOptions): PolicyInput {
  const input: PolicyInput = {
    principal: { id: o.principal.id, name: o.principal.name, roles: [...o.principal.roles] },
    route: { method: o.route.method, path: o.route.path, endpoint: o.route.endpoint },
    time: policyTime(o.nowMs),
  };
  if (o.model) input.model = policyModel(o.model);
  if (o.usage) input.usage = { requests_last_minute: o.usage.requests_last_minute, tokens_today: o.usage.tokens_today };
  const body = o.body;
  if (body) {
    const messages = body.messages ?? [];
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
    input.request = {
      stream: body.stream === true,
      estimated_prompt_tokens: o.estimatedPromptTokens ?? 0,
      tools: (body.tools ?? []).flatMap((t) => (t.function?.name ? [t.function.name] : [])),
      has_images: hasImages(messages),
    };
    if (maxTokens !== undefined) input.request.max_tokens = maxTokens;
    if (o.truncation !== undefined) input.request.truncation = o.truncation;
    if (o.priority !== undefined) input.request.priority = o.priority;
    input.content = foundFacts(body.messages ? messageFacts(messages) : secretFacts([...promptTexts(body.prompt), ...promptTexts(body.input)]));
  } else {
    input.content = {};
  }
  return input;
}

export interface ToolCallOptions {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  round?: number;
}

/**
 * The input for one MCP tool call, derived from the request's input. Request, content and usage are
 * dropped: tool-call rules do not read them, and a smaller input evaluates faster.
 */
export function buildToolCallInput(requestInput: PolicyInput, call: ToolCallOptions, nowMs?: number): PolicyInput {
  const tool_call: PolicyToolCall = { server: call.server, tool: call.tool, arguments: call.arguments, content: foundFacts(argumentFacts(call.arguments)) };
  if (call.round !== undefined) tool_call.round = call.round;
  const time = nowMs === undefined ? requestInput.time : policyTime(nowMs);
  const input: PolicyInput = { principal: requestInput.principal, route: requestInput.route, time, tool_call };
  if (requestInput.model) input.model = requestInput.model;
  return input;
}
