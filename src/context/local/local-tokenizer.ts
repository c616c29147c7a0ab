// The local count: a model's own vocabulary and chat template read from its GGUF header, for
// runtimes that cannot count for Aegis (Ollama has no tokenize endpoint) or would make the count
// wait behind generation (llama-cpp-python).
import type { Tokenizer } from '../tokenizer';
import type { Message } from '../types';
import { BpeCounter } from './bpe';
import { SpecialTokens } from './specials';
import { SpmCounter } from './spm';
import { ChatTemplate } from './template';
import { vocabFromMetadata, type GgufVocab } from './vocab';

/** A local tokenizer, which can also render the model's chat template when the GGUF has one. */
export interface LocalTokenizer extends Tokenizer {
  /** The prompt the chat template makes of the messages; absent when the GGUF has no template. */
  render?(messages: readonly Message[], tools: readonly unknown[] | undefined): string;
  /** Tokens of a rendered prompt: special tokens parsed, BOS added as the runtime adds it. */
  countRendered(prompt: string): number;
}

interface TextCounter {
  count(text: string, first: boolean): number;
}

function textCounter(v: GgufVocab): TextCounter | undefined {
  if (v.model === 'llama') return new SpmCounter(v);
  const bpe = BpeCounter.create(v);
  return bpe && { count: (text) => bpe.count(text) };
}

/** The local tokenizer of a GGUF header's key/values; undefined for vocabularies Aegis cannot count. */
export function createLocalTokenizer(metadata: Readonly<Record<string, unknown>>): LocalTokenizer | undefined {
  const v = vocabFromMetadata(metadata);
  const counter = v && textCounter(v);
  if (!v || !counter) return undefined;
  const specials = new SpecialTokens(v);
  const count = (text: string, atStart: boolean): number => {
    let n = 0;
    // SentencePiece prefixes a space at the start and after each special token (llama.cpp).
    let first = atStart;
    for (const piece of specials.split(text)) {
      if (piece.special) {
        n++;
        first = true;
      } else {
        n += counter.count(piece.text, first);
        first = false;
      }
    }
    return n;
  };
  // Runtimes add BOS to a chat prompt unless the template wrote it already (llama.cpp, Ollama).
  const countRendered = (prompt: string) => count(prompt, true) + (v.addBos && v.bos !== undefined && !prompt.startsWith(v.bos) ? 1 : 0);
  const base = { kind: 'local' as const, countRendered, countTexts: async (texts: readonly string[]) => texts.map((t) => count(t, false)) };
  if (!v.chatTemplate) return base;
  let template: ChatTemplate;
  try {
    template = new ChatTemplate(v.chatTemplate, v.bos, v.eos);
  } catch {
    // A template the Jinja port cannot parse: count texts, not whole prompts.
    return base;
  }
  const render = (messages: readonly Message[], tools: readonly unknown[] | undefined) => template.render(messages, tools);
  return { ...base, render, countPrompt: async (messages, tools) => countRendered(render(messages, tools)) };
}
