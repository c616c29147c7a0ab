// The chat message shapes local runtimes accept: OpenAI's newer shapes (the developer role, content
// as an array of parts) brought down to the older ones, and images refused for text-only models.
import { GatewayError, type ChatMessage } from '../core';

export type ContentPart = Extract<ChatMessage['content'], unknown[]>[number];

/** How an OpenAI-compatible upstream wants its messages (the `messages` key of an upstream). */
export interface MessageShapes {
  developerRole: 'system' | 'keep';
  textParts: 'join' | 'keep';
  toolCallContent: 'empty' | 'keep';
}

/**
 * What every runtime accepts. llama-cpp-python refuses a developer message, a system message
 * whose content is an array, and an assistant message with tool calls and `content: null` (what
 * OpenAI's clients send back) with validation errors, and its chat templates fail on a user
 * message of parts ("can only concatenate str (not "list") to str").
 */
export const SAFE_SHAPES: MessageShapes = { developerRole: 'system', textParts: 'join', toolCallContent: 'empty' };

// The part types that carry an image in OpenAI Chat, Responses and Anthropic requests (the same
// set policy facts count as images).
const IMAGE_PARTS = new Set(['image_url', 'input_image', 'image']);

/** The text of the text parts, one per line: the one join both the OpenAI and the Ollama paths use. */
export function joinTextParts(parts: readonly ContentPart[]): string {
  const texts: string[] = [];
  for (const part of parts) if (part.type === 'text' && typeof part.text === 'string' && part.text) texts.push(part.text);
  return texts.join('\n');
}

/** One message in the shapes asked for; the message itself when nothing changes. */
export function shapeMessage(message: ChatMessage, shapes: MessageShapes): ChatMessage {
  const role = message.role === 'developer' && shapes.developerRole === 'system' ? 'system' : message.role;
  const parts = message.content;
  // Only arrays of text alone become a string: parts that carry images stay parts for vision models.
  const joined = shapes.textParts === 'join' && Array.isArray(parts) && parts.every((p) => p.type === 'text');
  const emptied = shapes.toolCallContent === 'empty' && parts == null && message.role === 'assistant' && (message.tool_calls?.length ?? 0) > 0;
  if (role === message.role && !joined && !emptied) return message;
  return { ...message, role, ...(joined ? { content: joinTextParts(parts) } : {}), ...(emptied ? { content: '' } : {}) };
}

export function shapeMessages(messages: readonly ChatMessage[], shapes: MessageShapes): ChatMessage[] {
  return messages.map((m) => shapeMessage(m, shapes));
}

/** What the content check needs of a model (a registry entry satisfies it). */
export interface ContentCapabilities {
  name: string;
  capabilities: { vision: boolean };
}

/**
 * Refuses image parts for a model without vision before any upstream call: a text-only runtime
 * either fails on them with its own errors (llama-cpp-python) or answers without having seen the
 * image (Ollama), and neither tells the client which.
 */
export function assertSupportedContent(model: ContentCapabilities, request: Readonly<Record<string, unknown>>): void {
  if (model.capabilities.vision || !Array.isArray(request.messages)) return;
  const messages: unknown[] = request.messages;
  const at = messages.findIndex(carriesImage);
  if (at < 0) return;
  throw new GatewayError('capability_not_supported', `The model \`${model.name}\` does not support image inputs (messages[${at}] has an image part).`, {
    param: 'messages',
  });
}

function carriesImage(message: unknown): boolean {
  if (typeof message !== 'object' || message === null || !('content' in message) || !Array.isArray(message.content)) return false;
  const parts: unknown[] = message.content;
  return parts.some((p) => typeof p === 'object' && p !== null && 'type' in p && typeof p.type === 'string' && IMAGE_PARTS.has(p.type));
}
