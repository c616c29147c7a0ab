// The cache-friendly window: runtimes reuse their KV cache for the longest common prefix of
// consecutive prompts (llama.cpp, llama-cpp-python and Ollama all do), so dropping one turn per
// request shifts the whole prompt and forces a full re-evaluation every turn. When a conversation
// must be cut, the cut goes down to a low-water mark and is remembered; the following requests of
// the same conversation reuse it while they fit, so the prompt's prefix survives several turns.
//
// Conversations are recognised by content, with no client change: the key is a hash of the
// conversation's head (system messages and the first other message), and a remembered cut applies
// only when the request's messages up to the end of the cut hash to what they were.
import { createHash, type Hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Message, Strategy } from './types';

/** A remembered cut: messages [from, to) of the conversation are left out. */
export interface Cut {
  from: number;
  to: number;
  strategy: Strategy;
  /** Hash of messages [0, to): the cut applies only to a conversation with this prefix. */
  prefix: string;
}

function feed(h: Hash, m: Message): void {
  h.update(m.role);
  h.update('\u0000');
  if (typeof m.content === 'string') h.update(m.content);
  else if (m.content != null) h.update(JSON.stringify(m.content));
  h.update('\u0000');
  if (m.tool_calls) h.update(JSON.stringify(m.tool_calls));
  if (m.tool_call_id) h.update(m.tool_call_id);
  if (m.name) h.update(m.name);
  h.update('\u0001');
}

/** Hash of messages [0, end). */
export function prefixHash(messages: readonly Message[], end: number): string {
  const h = createHash('sha1');
  for (let i = 0; i < end; i++) feed(h, messages[i]!);
  return h.digest('base64');
}

/** Index one past the conversation's head: its system messages and the first other message. */
export function headEnd(messages: readonly Message[]): number {
  let i = 0;
  while (i < messages.length && (messages[i]!.role === 'system' || messages[i]!.role === 'developer')) i++;
  return Math.min(messages.length, i + 1);
}

export interface WindowMemoryOptions {
  /** Conversations remembered at most; the least recently used are forgotten first. */
  maxConversations?: number;
}

/** Remembered cuts per conversation and model, bounded in memory. */
export class WindowMemory {
  private readonly cuts: LRUCache<string, Cut>;
  private hits = 0;
  private misses = 0;

  constructor({ maxConversations = 10_000 }: WindowMemoryOptions = {}) {
    this.cuts = new LRUCache({ max: maxConversations });
  }

  private key(model: string, messages: readonly Message[]): string {
    return `${model}\u0000${prefixHash(messages, headEnd(messages))}`;
  }

  /** The cut remembered for this conversation, if its prefix is still the same. */
  recall(model: string, messages: readonly Message[], strategy: Strategy): Cut | undefined {
    const cut = this.cuts.get(this.key(model, messages));
    const valid = cut !== undefined && cut.strategy === strategy && cut.to <= messages.length && prefixHash(messages, cut.to) === cut.prefix;
    if (valid) this.hits++;
    else this.misses++;
    return valid ? cut : undefined;
  }

  remember(model: string, messages: readonly Message[], cut: Omit<Cut, 'prefix'>): void {
    this.cuts.set(this.key(model, messages), { ...cut, prefix: prefixHash(messages, cut.to) });
  }

  stats(): { conversations: number; hits: number; misses: number } {
    return { conversations: this.cuts.size, hits: this.hits, misses: this.misses };
  }
}
