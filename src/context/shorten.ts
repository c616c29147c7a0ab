// Head + tail shortening of one message: the middle of a long text is replaced by a marker that
// says how much was cut. LiteLLM's `shorten_message_to_fit_limit` keeps both ends the same way;
// the start of a tool result says what it is and the end usually holds the outcome or the error.
import type { Message } from './types';

/** Tokens the marker itself costs, counted generously (it holds a number and a dozen words). */
export const MARKER_TOKENS = 24;

/** The marker put where the middle of a text was. */
export const cutMarker = (tokens: number): string => `\n[… ${tokens} tokens cut here by Aegis to fit the model's context window …]\n`;

/**
 * How much of the estimated density to trust: token density varies along a text (code is denser
 * than prose), so slices are a little shorter than the average says; the stage counts the result.
 */
const DENSITY_SLACK = 0.9;

export interface Shortening {
  message: Message;
  /** The message's estimated count after the cut (framing included). */
  tokens: number;
}

/** The text of a message that shortening may cut: its content string, or its longest text part. */
function longestText(m: Message): { text: string; part?: number } | undefined {
  if (typeof m.content === 'string') return { text: m.content };
  if (!Array.isArray(m.content)) return undefined;
  let best: { text: string; part?: number } | undefined;
  m.content.forEach((p, part) => {
    const text = p.type === 'text' && typeof p.text === 'string' ? p.text : undefined;
    if (text !== undefined && text.length > (best?.text.length ?? 0)) best = { text, part };
  });
  return best;
}

/** Characters of text the message holds (all text parts). */
export function textLength(m: Message): number {
  if (typeof m.content === 'string') return m.content.length;
  if (!Array.isArray(m.content)) return 0;
  let n = 0;
  for (const p of m.content) if (p.type === 'text' && typeof p.text === 'string') n += p.text.length;
  return n;
}

/** A cut point that does not split a surrogate pair. */
function safeIndex(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code >= 0xdc00 && code <= 0xdfff ? at - 1 : at;
}

/**
 * `m` cut in the middle so that it counts about `target` tokens, given that it counts `tokens` now
 * of which `framing` are the template's. Undefined when there is no text to cut or the target
 * leaves no room for more than the marker.
 */
export function shortenMessage(m: Message, tokens: number, target: number, framing: number): Shortening | undefined {
  const found = longestText(m);
  const total = textLength(m);
  const contentTokens = tokens - framing;
  if (!found || total === 0 || contentTokens <= 0 || target >= tokens) return undefined;
  const keepTokens = target - framing - MARKER_TOKENS;
  if (keepTokens <= 0) return undefined;
  const perChar = contentTokens / total;
  const cutChars = total - Math.floor((keepTokens / perChar) * DENSITY_SLACK);
  const { text } = found;
  if (cutChars <= 0 || cutChars >= text.length) return undefined;
  const kept = text.length - cutChars;
  const head = safeIndex(text, Math.ceil(kept / 2));
  const tail = safeIndex(text, text.length - Math.floor(kept / 2));
  const cutTokens = Math.max(1, Math.round((tail - head) * perChar));
  const shortened = text.slice(0, head) + cutMarker(cutTokens) + text.slice(tail);
  const message: Message =
    found.part === undefined
      ? { ...m, content: shortened }
      : { ...m, content: (m.content as { type: string }[]).map((p, i) => (i === found.part ? { ...p, text: shortened } : p)) };
  return { message, tokens: Math.min(tokens - 1, Math.ceil(framing + MARKER_TOKENS + (total - (tail - head)) * perChar)) };
}
