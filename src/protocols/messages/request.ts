// An Anthropic Messages request as the internal chat request (the same mapping Ollama's
// anthropic.go and LiteLLM's adapters make): `system` and system-role messages become one system
// message, `tool_use` blocks become the assistant's tool calls, `tool_result` blocks become tool
// messages ahead of the user's other content, images become image parts. Tools Anthropic runs
// itself or that need its own harness (`web_search_…`, `bash_…`, `computer_…`) are dropped and named.
import type { ChatMessage, ChatRequest, ToolDefinition } from '../../core';
import { invalid } from '../validate';
import type { AnthropicBlock, AnthropicTool, CountTokensRequest } from './schema';

type Part = Exclude<ChatMessage['content'], string | null | undefined>[number];
type MessageToolCall = NonNullable<ChatMessage['tool_calls']>[number];

export interface MessagesTranslation {
  chat: ChatRequest;
  /** Tools not offered to the model, by type and name. */
  dropped: string[];
  /** Whether the client asked for thinking blocks (reasoning is shown only then). */
  thinking: boolean;
  stopSequences: string[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...v } : undefined);

function imagePart(block: AnthropicBlock, param: string): Part {
  const source = obj(block.source);
  if (source?.type === 'base64' && typeof source.data === 'string')
    return { type: 'image_url', image_url: { url: `data:${str(source.media_type) ?? 'image/png'};base64,${source.data}` } };
  if (source?.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  throw invalid('An image must be given as base64 data or a URL (there is no Files API here).', `${param}.source`);
}

/** Text of a block that carries text, or undefined for blocks a local model has no use for. */
function blockText(block: AnthropicBlock): string | undefined {
  if (block.type === 'text') return str(block.text) ?? '';
  const source = obj(block.source);
  if (block.type === 'document' && source?.type === 'text') return str(source.data);
  if (block.type === 'search_result' && Array.isArray(block.content)) return block.content.map((c) => str(obj(c)?.text) ?? '').join('\n');
  return undefined;
}

function toolResultText(block: AnthropicBlock): string {
  const content = block.content;
  const text =
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? content.map((c) => (obj(c)?.type === 'text' ? (str(obj(c)?.text) ?? '') : `[${str(obj(c)?.type) ?? 'content'}]`)).join('\n')
        : '';
  // Chat tool messages have no error flag: the model is told in the text, as Anthropic's models are.
  return block.is_error === true ? `Error: ${text}` : text;
}

function systemText(system: string | readonly AnthropicBlock[] | null | undefined): string {
  if (!system) return '';
  if (typeof system === 'string') return system;
  return system.flatMap((b) => (b.type === 'text' ? [str(b.text) ?? ''] : [])).join('\n');
}

function userMessages(blocks: readonly AnthropicBlock[], param: string, out: ChatMessage[]): void {
  const parts: Part[] = [];
  blocks.forEach((block, i) => {
    const at = `${param}[${i}]`;
    if (block.type === 'tool_result') {
      const id = str(block.tool_use_id);
      if (!id) throw invalid('A tool_result block needs its tool_use_id.', `${at}.tool_use_id`);
      out.push({ role: 'tool', tool_call_id: id, content: toolResultText(block) });
    } else if (block.type === 'image') parts.push(imagePart(block, at));
    else {
      const text = blockText(block);
      if (text !== undefined) parts.push({ type: 'text', text });
    }
  });
  if (parts.length === 0) return;
  // Text alone goes as a string: the form every runtime's chat template takes.
  const textOnly = parts.every((p) => p.type === 'text');
  out.push({ role: 'user', content: textOnly ? parts.map((p) => str(p.text) ?? '').join('\n') : parts });
}

function assistantMessage(blocks: readonly AnthropicBlock[], param: string): ChatMessage {
  const texts: string[] = [];
  const calls: MessageToolCall[] = [];
  blocks.forEach((block, i) => {
    if (block.type === 'tool_use') {
      const id = str(block.id);
      const name = str(block.name);
      if (!id || !name) throw invalid('A tool_use block needs its id and name.', `${param}[${i}]`);
      calls.push({ id, type: 'function', function: { name, arguments: JSON.stringify(block.input ?? {}) } });
      return;
    }
    // Thinking blocks are dropped: their signatures mean nothing to a local model.
    const text = blockText(block);
    if (text) texts.push(text);
  });
  const message: ChatMessage = { role: 'assistant', content: texts.length > 0 ? texts.join('\n') : null };
  if (calls.length > 0) message.tool_calls = calls;
  return message;
}

/** Only custom tools (with an input schema) can be offered; Anthropic's typed tools are dropped. */
function translateTools(tools: readonly AnthropicTool[] | null | undefined): { tools: ToolDefinition[]; dropped: string[] } {
  const out: ToolDefinition[] = [];
  const dropped: string[] = [];
  for (const t of tools ?? []) {
    if (t.type && t.type !== 'custom') {
      dropped.push(`${t.type}:${t.name}`);
      continue;
    }
    out.push({
      type: 'function',
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.input_schema ?? { type: 'object', properties: {} } },
    });
  }
  return { tools: out, dropped };
}

type ChatToolChoice = ChatRequest['tool_choice'];

function toolChoice(choice: CountTokensRequest['tool_choice'], offered: ReadonlySet<string>): ChatToolChoice {
  if (!choice) return undefined;
  if (choice.type === 'any') return 'required';
  if (choice.type === 'none') return 'none';
  if (choice.type === 'tool' && choice.name && offered.has(choice.name)) return { type: 'function', function: { name: choice.name } };
  return 'auto';
}

/** The request as a chat request; `max_tokens` is absent only for count_tokens. */
export function fromMessagesRequest(req: CountTokensRequest): MessagesTranslation {
  const messages: ChatMessage[] = [];
  const system = [systemText(req.system)];
  req.messages.forEach((m, i) => {
    const param = `messages[${i}].content`;
    if (m.role === 'system') system.push(typeof m.content === 'string' ? m.content : systemText(m.content));
    else if (m.role === 'assistant')
      messages.push(typeof m.content === 'string' ? { role: 'assistant', content: m.content } : assistantMessage(m.content, param));
    else if (typeof m.content === 'string') messages.push({ role: 'user', content: m.content });
    else userMessages(m.content, param, messages);
  });
  const systemPrompt = system.filter(Boolean).join('\n\n');
  if (systemPrompt) messages.unshift({ role: 'system', content: systemPrompt });

  const tools = translateTools(req.tools);
  const chat: ChatRequest = { model: req.model, messages };
  if (req.max_tokens !== undefined) chat.max_tokens = req.max_tokens;
  if (req.stream) chat.stream = true;
  if (req.temperature != null) chat.temperature = req.temperature;
  if (req.top_p != null) chat.top_p = req.top_p;
  if (req.top_k != null) chat.top_k = req.top_k;
  if (req.stop_sequences?.length) chat.stop = req.stop_sequences;
  if (req.metadata?.user_id) chat.user = req.metadata.user_id;
  if (tools.tools.length > 0) {
    chat.tools = tools.tools;
    const choice = toolChoice(req.tool_choice, new Set(tools.tools.map((t) => t.function.name)));
    if (choice !== undefined) chat.tool_choice = choice;
    if (req.tool_choice?.disable_parallel_tool_use) chat.parallel_tool_calls = false;
  }
  const thinking = req.thinking?.type === 'enabled' || req.thinking?.type === 'adaptive';
  return { chat, dropped: tools.dropped, thinking, stopSequences: req.stop_sequences ?? [] };
}
