// The text of a message that its tokens come from: the content (text parts joined the way the
// upstream adapters join them), the tool calls as the templates render them (a JSON object with
// name and arguments), and the sender's name.
import type { Message } from './types';

/** Images count as Ollama counts a CLIP image: 768 embeddings (server/prompt.go). */
export const IMAGE_TOKENS = 768;

export interface MessageText {
  text: string;
  images: number;
}

export function messageText(m: Message): MessageText {
  let text = '';
  let images = 0;
  if (typeof m.content === 'string') text = m.content;
  else if (Array.isArray(m.content)) {
    const parts: string[] = [];
    for (const p of m.content) {
      if (p.type === 'text' && typeof p.text === 'string') parts.push(p.text);
      else if (p.type === 'image_url' || p.type === 'input_image' || p.type === 'image') images++;
    }
    text = parts.join('\n');
  }
  if (m.tool_calls) {
    for (const call of m.tool_calls) text += `\n{"name": ${JSON.stringify(call.function.name)}, "arguments": ${call.function.arguments}}`;
  }
  if (typeof m.name === 'string' && m.name !== '') text = `${m.name}: ${text}`;
  return { text, images };
}
