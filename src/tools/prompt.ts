// Emulated tools as prompt text: the tools and one strict protocol rendered into the conversation,
// and the history rewritten for a template that knows nothing of tools (assistant tool_calls become
// text in the same protocol, tool results become user text), as LM Studio does for models without
// native support. Two protocols: Hermes/Qwen `<tool_call>` tags for free decoding (the format most
// small models were tuned on), and the JSON of schema.ts for constrained decoding.
import type { ChatMessage } from '../core';
import type { ToolCatalog } from './catalog';
import type { ToolChoice } from './types';

export type Protocol = 'tags' | 'json';

/** Where the instructions go: a system message, or the first user message (templates that drop system, like Gemma's). */
export type Placement = 'system' | 'user';

export interface RenderOptions {
  catalog: ToolCatalog;
  choice: ToolChoice;
  protocol: Protocol;
  placement: Placement;
  parallel: boolean;
}

function toolLines(catalog: ToolCatalog): string {
  return catalog.specs
    .map((s) => JSON.stringify({ name: s.name, description: s.description ?? '', parameters: s.parameters ?? { type: 'object', properties: {} } }))
    .join('\n');
}

function obligation(choice: ToolChoice): string {
  if (choice.kind === 'required') return 'You must call at least one tool.';
  if (choice.kind === 'named') return `You must call the tool "${choice.name}".`;
  return '';
}

/**
 * An example call of the first tool (or the named one), with its required arguments: small models
 * copy placeholders such as `<tool name>` literally, and a real name they can only copy correctly.
 */
function example(catalog: ToolCatalog, choice: ToolChoice): string {
  const spec = (choice.kind === 'named' && catalog.resolve(choice.name)) || catalog.specs[0]!;
  const props = spec.parameters?.properties;
  const required = Array.isArray(spec.parameters?.required) ? spec.parameters.required.filter((k): k is string => typeof k === 'string') : [];
  const args: Record<string, unknown> = {};
  if (typeof props === 'object' && props !== null) {
    for (const [key, schema] of Object.entries(props)) {
      if (required.length && !required.includes(key)) continue;
      const type = typeof schema === 'object' && schema !== null && 'type' in schema ? schema.type : undefined;
      args[key] = type === 'integer' || type === 'number' ? 1 : type === 'boolean' ? true : type === 'array' ? [] : type === 'object' ? {} : '...';
    }
  }
  return JSON.stringify({ name: spec.name, arguments: args });
}

/** The instructions: the tools, the protocol, and what tool_choice demands. */
export function instructions({ catalog, choice, protocol, parallel }: RenderOptions): string {
  const must = obligation(choice);
  const call = example(catalog, choice);
  const lines = ['You can call these tools (each with a JSON schema of its arguments):', '<tools>', toolLines(catalog), '</tools>'];
  if (protocol === 'tags') {
    lines.push(`To call a tool, reply with only this${parallel ? ', one block per call' : ''}:`, '<tool_call>', call, '</tool_call>');
    lines.push(must || 'If no tool fits, answer normally without any tag.');
  } else if (must) {
    lines.push('Reply with JSON only: {"tool_calls": [{"name": "<the tool that fits>", "arguments": {<its arguments>}}]}', must);
  } else {
    // The call form first; the plain answer as a fallback with nothing to copy. No example call:
    // the grammar admits only declared names, and an example only pulls choices to its tool.
    lines.push(
      'Reply with JSON only. To call tools: {"tool_calls": [{"name": "<the tool that fits>", "arguments": {<its arguments>}}]}',
      'Only if none of the tools fits the request, put your reply in {"response": ...} instead.',
    );
  }
  lines.push('Call only the tools the request needs.');
  return lines.join('\n');
}

function text(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p) => p.type === 'text')
    .map((p) => (typeof p.text === 'string' ? p.text : ''))
    .join('\n');
}

/** A past call in the protocol the model is asked to write, so its own history shows it how. */
function callText(calls: NonNullable<ChatMessage['tool_calls']>, protocol: Protocol): string {
  const parsed = calls.map((c) => ({ name: c.function.name, arguments: parseOr(c.function.arguments) }));
  if (protocol === 'json') return JSON.stringify({ tool_calls: parsed });
  return parsed.map((c) => `<tool_call>\n${JSON.stringify(c)}\n</tool_call>`).join('\n');
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function resultText(message: ChatMessage, names: ReadonlyMap<string, string>): string {
  const name = (message.tool_call_id && names.get(message.tool_call_id)) || message.name || 'tool';
  return `<tool_response>\n${JSON.stringify({ name, content: parseOr(text(message.content)) })}\n</tool_response>`;
}

/**
 * The history as a tool-less template can render it: assistant calls as protocol text, tool (and
 * legacy function) results as user messages, consecutive results joined into one user turn with
 * the user message that follows (templates such as Gemma's insist that roles alternate).
 */
export function rewriteHistory(messages: readonly ChatMessage[], protocol: Protocol): ChatMessage[] {
  const names = new Map<string, string>();
  const out: ChatMessage[] = [];
  let joinable = false;
  for (const m of messages) {
    if (m.role === 'assistant' && m.tool_calls?.length) {
      for (const c of m.tool_calls) names.set(c.id, c.function.name);
      const before = text(m.content);
      const { tool_calls: _calls, ...rest } = m;
      out.push({ ...rest, content: (before ? `${before}\n` : '') + callText(m.tool_calls, protocol) });
      joinable = false;
      continue;
    }
    if (m.role === 'tool' || m.role === 'function') {
      const content = resultText(m, names);
      const last = out.at(-1);
      if (joinable && last) last.content = `${text(last.content)}\n${content}`;
      else out.push({ role: 'user', content });
      joinable = true;
      continue;
    }
    const last = out.at(-1);
    // A user message right after tool results joins their turn, unless it carries more than text.
    const textOnly = !Array.isArray(m.content) || m.content.every((p) => p.type === 'text');
    if (m.role === 'user' && joinable && last && textOnly) {
      last.content = `${text(last.content)}\n\n${text(m.content)}`;
      joinable = false;
      continue;
    }
    out.push(m);
    joinable = false;
  }
  return out;
}

/** Whether the history holds anything a tool-less template cannot render. */
export function hasToolHistory(messages: readonly ChatMessage[]): boolean {
  return messages.some((m) => m.role === 'tool' || m.role === 'function' || (m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0));
}

/** `messages` with the instructions placed as asked (the list is a copy; messages are not changed). */
export function withInstructions(messages: readonly ChatMessage[], block: string, placement: Placement): ChatMessage[] {
  const out = [...messages];
  if (placement === 'system') {
    const first = out[0];
    if (first && (first.role === 'system' || first.role === 'developer')) out[0] = { ...first, content: `${text(first.content)}\n\n${block}` };
    else out.unshift({ role: 'system', content: block });
    return out;
  }
  const at = out.findIndex((m) => m.role === 'user');
  if (at < 0) out.push({ role: 'user', content: block });
  else {
    const m = out[at]!;
    out[at] = Array.isArray(m.content) ? { ...m, content: [{ type: 'text', text: block }, ...m.content] } : { ...m, content: `${block}\n\n${text(m.content)}` };
  }
  return out;
}
