// A tool result as the text of a `tool` message: text parts as they are, structured content as
// JSON, images, audio and binary resources summarised (local models cannot take them as tool
// output), and the whole capped. The text is the server's, untrusted: Aegis only ever passes it to
// the model as tool output and never reads it as an instruction.
import type { McpCallResult, McpContent } from './types';

/** Base64 length → bytes, without decoding. */
const base64Bytes = (data: string) => Math.floor((data.length * 3) / 4) - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function part(c: McpContent): string {
  switch (c.type) {
    case 'text':
      return str(c.text) ?? '';
    case 'image':
    case 'audio': {
      const data = str(c.data) ?? '';
      return `[${c.type} ${str(c.mimeType) ?? 'of unknown type'}, ${base64Bytes(data)} bytes, not shown]`;
    }
    case 'resource': {
      const r = typeof c.resource === 'object' && c.resource !== null ? (c.resource as Record<string, unknown>) : {};
      const uri = str(r.uri) ?? '(no uri)';
      const text = str(r.text);
      if (text !== undefined) return `[resource ${uri}]\n${text}`;
      return `[resource ${uri}${str(r.mimeType) ? ` ${str(r.mimeType)}` : ''}, ${base64Bytes(str(r.blob) ?? '')} bytes, not shown]`;
    }
    case 'resource_link':
      return `[resource link ${str(c.uri) ?? ''}${str(c.name) ? ` "${str(c.name)}"` : ''}${str(c.description) ? `: ${str(c.description)}` : ''}]`;
    default:
      return `[${c.type} content, not shown]`;
  }
}

/**
 * Cuts the middle of a long text, keeping its head and tail (results often end with a summary or
 * an error), with a marker the model can read. Never splits a surrogate pair.
 */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = (omitted: number) => `\n[… ${omitted} characters omitted by Aegis …]\n`;
  const room = Math.max(0, max - marker(text.length).length);
  let head = Math.ceil(room * 0.75);
  let tail = room - head;
  if (/[\uD800-\uDBFF]/.test(text[head - 1] ?? '')) head--;
  if (/[\uDC00-\uDFFF]/.test(text[text.length - tail] ?? '')) tail--;
  return `${text.slice(0, head)}${marker(text.length - head - tail)}${tail > 0 ? text.slice(text.length - tail) : ''}`;
}

export interface RenderedResult {
  text: string;
  /** Characters before the cap. */
  fullLength: number;
  isError: boolean;
}

export function renderResult(result: McpCallResult, maxChars: number): RenderedResult {
  const parts = result.content.map(part).filter((p) => p.length > 0);
  if (result.structuredContent !== undefined) {
    const json = JSON.stringify(result.structuredContent);
    // Servers of protocol 2025-06-18 repeat structured content as a text block for older clients.
    if (!parts.some((p) => p.trim() === json || safeEqualJson(p, result.structuredContent))) parts.push(json);
  }
  let text = parts.join('\n');
  if (result.isError) text = `Error: ${text || 'the tool failed without saying why'}`;
  return { text: capText(text, maxChars), fullLength: text.length, isError: result.isError === true };
}

function safeEqualJson(text: string, value: unknown): boolean {
  const t = text.trim();
  if (!t.startsWith('{')) return false;
  try {
    return JSON.stringify(JSON.parse(t)) === JSON.stringify(value);
  } catch {
    return false;
  }
}
