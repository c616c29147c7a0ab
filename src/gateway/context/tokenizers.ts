// Which tokenizer counts a model's prompts: the runtime's own (exact), the model's GGUF vocabulary
// and chat template (local), or the calibrated estimate, by the model's `context.counting`.
import { estimateTokenizer, type ContextSettings, type LocalTokenizer, type Tokenizer, type TokenizingRuntime } from '../../context';
import type { ChatMessage } from '../../core';
import type { ModelEntry } from '../../registry';
import type { RuntimeTokenizer, Upstream } from '../../upstreams';

/**
 * Builds a local tokenizer from a GGUF file (the composition root reads it with src/registry), as
 * the runtime serving it tokenizes (Ollama's own engine differs from llama.cpp).
 */
export type LocalTokenizerLoader = (path: string, runtime?: TokenizingRuntime) => Promise<LocalTokenizer | undefined>;

/**
 * The runtime's count as a Tokenizer. The whole prompt is rendered by the runtime (llama.cpp's
 * /apply-template) or by the model's own template read locally (llama-cpp-python renders the
 * GGUF's template with Jinja too), then counted by the runtime.
 */
export function runtimeTokenizer(runtime: RuntimeTokenizer, local: LocalTokenizer | undefined): Tokenizer {
  const { applyTemplate } = runtime;
  const render = local?.render?.bind(local);
  const countPrompt = applyTemplate
    ? async (ms: readonly ChatMessage[], tools: readonly unknown[] | undefined) => runtime.countRendered(await applyTemplate.call(runtime, ms, tools))
    : render
      ? async (ms: readonly ChatMessage[], tools: readonly unknown[] | undefined) => runtime.countRendered(render(ms, tools))
      : undefined;
  return countPrompt
    ? { kind: 'exact', countTexts: (texts) => runtime.countTexts(texts), countPrompt }
    : { kind: 'exact', countTexts: (texts) => runtime.countTexts(texts) };
}

export interface ResolveOptions {
  entry: ModelEntry;
  upstream: Upstream;
  counting: ContextSettings['counting'];
  loadLocal?: LocalTokenizerLoader;
}

/**
 * `auto` takes the runtime's count where counting does not wait behind generation (llama.cpp's
 * server), else the local tokenizer (llama-cpp-python serialises every call, so a count would wait
 * for the stream in progress), else the runtime's blocking count, else the estimate.
 */
export async function resolveTokenizer({ entry, upstream, counting, loadLocal }: ResolveOptions): Promise<Tokenizer> {
  if (counting === 'estimate') return estimateTokenizer;
  const runtime = counting === 'local' ? undefined : await upstream.tokenizer?.(entry).catch(() => undefined);
  const wantLocal = counting !== 'runtime' || (runtime !== undefined && runtime.applyTemplate === undefined);
  const path = wantLocal ? (entry.path ?? (await upstream.modelFile?.(entry).catch(() => undefined))) : undefined;
  const local = path && loadLocal ? await loadLocal(path, upstream.kind === 'ollama' ? 'ollama' : 'llama.cpp').catch(() => undefined) : undefined;
  if (runtime && (counting === 'runtime' || !runtime.blocking || !local)) return runtimeTokenizer(runtime, local);
  if (local && upstream.renderPrompt) return renderedByRuntime(local, upstream, entry);
  return local ?? estimateTokenizer;
}

/**
 * The local count of the prompt the runtime's own template renders (Ollama renders Go templates
 * that differ from the GGUF's Jinja one), falling back to the GGUF's template when the runtime
 * cannot render right now.
 */
export function renderedByRuntime(local: LocalTokenizer, upstream: Upstream, entry: ModelEntry): Tokenizer {
  const render = upstream.renderPrompt?.bind(upstream);
  return {
    kind: 'local',
    countTexts: (texts) => local.countTexts(texts),
    async countPrompt(messages, tools) {
      const rendered = await render?.(entry, messages, tools).catch(() => undefined);
      if (rendered !== undefined) return local.countRendered(rendered);
      return local.countPrompt?.(messages, tools);
    },
  };
}
