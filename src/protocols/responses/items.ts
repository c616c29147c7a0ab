// Responses input items (and earlier output items, for a continued conversation) as chat messages.
// Peers' translations do the same (Ollama's FromResponsesRequest, LiteLLM's transformation.py):
// function calls join the assistant message before them, outputs become tool messages, and
// reasoning items are dropped (a local model cannot read OpenAI's encrypted reasoning).
import type { ChatMessage } from '../../core';
import { invalid, parseAt } from '../validate';
import { callOutputItemSchema, customToolCallItemSchema, functionCallItemSchema, messageItemSchema, type InputItem } from './schema';
import { CUSTOM_INPUT, flatName } from './tools';

type Part = Exclude<ChatMessage['content'], string | null | undefined>[number];
type MessageToolCall = NonNullable<ChatMessage['tool_calls']>[number];

interface PartLike {
  type: string;
  [field: string]: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One content part as a chat part; undefined for parts that carry nothing a model reads. */
function chatPart(part: PartLike, param: string): Part | undefined {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      return { type: 'text', text: str(part.text) ?? '' };
    case 'refusal':
      return { type: 'text', text: str(part.refusal) ?? '' };
    case 'input_image': {
      const url =
        str(part.image_url) ?? (typeof part.image_url === 'object' && part.image_url !== null && 'url' in part.image_url ? str(part.image_url.url) : undefined);
      if (!url) throw invalid('Only images given by URL or data URL are supported (there is no Files API here).', `${param}.image_url`);
      const detail = str(part.detail);
      return { type: 'image_url', image_url: detail ? { url, detail } : { url } };
    }
    default:
      throw invalid(`Content of type '${part.type}' is not supported by Aegis; send text or images.`, `${param}.type`);
  }
}

function textOf(parts: readonly Part[]): string {
  return parts.map((p) => (p.type === 'text' ? (str(p.text) ?? '') : `[${p.type}]`)).join('\n');
}

function messageOf(item: InputItem, param: string): ChatMessage {
  const m = parseAt(messageItemSchema, item, param);
  if (typeof m.content === 'string') return { role: m.role, content: m.content };
  const parts: Part[] = [];
  m.content.forEach((p, i) => {
    const part = chatPart(p, `${param}.content[${i}]`);
    if (part) parts.push(part);
  });
  // Assistant, system and developer content goes as text: runtimes' templates expect a string there.
  if (m.role !== 'user') return { role: m.role, content: textOf(parts) };
  return { role: 'user', content: parts };
}

/** A tool result as a tool message's text (images in tool results have no chat equivalent). */
function outputText(output: string | readonly PartLike[]): string {
  if (typeof output === 'string') return output;
  return output.map((p) => (p.type === 'input_text' || p.type === 'output_text' || p.type === 'text' ? (str(p.text) ?? '') : `[${p.type}]`)).join('\n');
}

/** Adds a call to the assistant message it belongs to: parallel calls are one assistant turn. */
function addCall(out: ChatMessage[], call: MessageToolCall): void {
  const last = out.at(-1);
  if (last?.role === 'assistant') (last.tool_calls ??= []).push(call);
  else out.push({ role: 'assistant', content: null, tool_calls: [call] });
}

/** Items of a conversation as chat messages, in order; `base` names the field for errors. */
export function itemsToMessages(items: readonly InputItem[], base: string, out: ChatMessage[] = []): ChatMessage[] {
  items.forEach((item, i) => {
    const param = `${base}[${i}]`;
    const type = item.type ?? 'message';
    switch (type) {
      case 'message':
        out.push(messageOf(item, param));
        break;
      case 'function_call': {
        const c = parseAt(functionCallItemSchema, item, param);
        addCall(out, { id: c.call_id, type: 'function', function: { name: flatName(c.name, c.namespace), arguments: c.arguments || '{}' } });
        break;
      }
      case 'custom_tool_call': {
        const c = parseAt(customToolCallItemSchema, item, param);
        const args = JSON.stringify({ [CUSTOM_INPUT]: c.input });
        addCall(out, { id: c.call_id, type: 'function', function: { name: flatName(c.name, c.namespace), arguments: args } });
        break;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const o = parseAt(callOutputItemSchema, item, param);
        out.push({ role: 'tool', tool_call_id: o.call_id, content: outputText(o.output) });
        break;
      }
      // Reasoning (encrypted or not), hosted tools' calls and references carry nothing a local
      // model can use; Codex sends its reasoning items back every turn.
      default:
        break;
    }
  });
  return out;
}

/** Items as the store keeps them: every item typed and with an id, as `input_items` lists them. */
export function identifiedItems(input: string | readonly InputItem[] | null | undefined, newId: (prefix: string) => string): InputItem[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return [{ type: 'message', id: newId('msg'), role: 'user', content: [{ type: 'input_text', text: input }] }];
  return input.map((item) => {
    const type = item.type ?? 'message';
    const id = str(item.id) ?? newId(type === 'message' ? 'msg' : type === 'function_call_output' ? 'fco' : 'item');
    return { ...item, type, id };
  });
}
