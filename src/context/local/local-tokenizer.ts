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

function textCounter(v: GgufVocab, ollamaEngine: boolean): TextCounter | undefined {
  if (v.model === 'llama') return new SpmCounter(v, ollamaEngine);
  const bpe = BpeCounter.create(v);
  return bpe && { count: (text) => bpe.count(text) };
}

/** Whose tokenizer the count follows: the model's runtime (a GGUF is tokenized differently by each). */
export type TokenizingRuntime = 'llama.cpp' | 'ollama';

/**
 * The architectures Ollama runs on its own engine rather than llama.cpp (its `OllamaEngineRequired`,
 * 0.12), whose tokenizer orders special tokens differently (specials.ts).
 */
const OLLAMA_ENGINE_ARCHITECTURES = new Set(['gemma3', 'gemma3n', 'mistral3', 'qwen3', 'qwen3moe', 'llama4', 'mllama', 'qwen25vl', 'gptoss', 'gpt-oss']);

/** The local tokenizer of a GGUF header's key/values; undefined for vocabularies Aegis cannot count. */
export function createLocalTokenizer(metadata: Readonly<Record<string, unknown>>, runtime: TokenizingRuntime = 'llama.cpp'): LocalTokenizer | undefined {
  const v = vocabFromMetadata(metadata);
  const ollamaEngine = runtime === 'ollama' && OLLAMA_ENGINE_ARCHITECTURES.has(String(metadata['general.architecture']));
  const counter = v && textCounter(v, ollamaEngine);
  if (!v || !counter) return undefined;
  const specials = new SpecialTokens(v, ollamaEngine ? 'vocabulary' : 'longest');
  const count = (text: string, atStart: boolean): number => {
    let n = 0;
    // SentencePiece prefixes a space at the start and after each special token (llama.cpp; Ollama's
    // engine never does).
    let first = atStart && !ollamaEngine;
    for (const piece of specials.split(text)) {
      if (piece.special) {
        n++;
        first = !ollamaEngine;
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
