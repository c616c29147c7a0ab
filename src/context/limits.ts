// Context lengths the runtimes taught by refusing a prompt: when nobody told Aegis a model's
// context (llama-cpp-python's /v1/models says nothing), the first refusal names it, Aegis fits the
// prompt and retries once, and remembers the figure for the next requests.

/**
 * The context length an error message names, if any. The phrasings are the runtimes' own:
 * llama-cpp-python "This model's maximum context length is 2048 tokens" (and the raw "exceed context
 * window of 2048"), llama.cpp's `n_ctx` as Aegis quotes it, vLLM and OpenAI "maximum context length
 * is 8192 tokens".
 */
export function contextLengthFromError(message: string): number | undefined {
  const patterns = [/maximum context length is (\d+)/i, /context window of (\d+)/i, /\bn_ctx[ =:]+(\d+)/i, /context (?:length|size) (?:of|is) (\d+)/i];
  for (const re of patterns) {
    const m = re.exec(message);
    if (m) {
      const n = Number(m[1]);
      if (Number.isSafeInteger(n) && n > 0) return n;
    }
  }
  return undefined;
}

/** Learned context lengths per model key, bounded (one entry per configured model at most). */
export class LearnedLimits {
  private readonly limits = new Map<string, number>();

  constructor(private readonly maxModels = 1_000) {}

  get(model: string): number | undefined {
    return this.limits.get(model);
  }

  set(model: string, tokens: number): void {
    if (!this.limits.has(model) && this.limits.size >= this.maxModels) {
      const oldest = this.limits.keys().next().value;
      if (oldest !== undefined) this.limits.delete(oldest);
    }
    this.limits.set(model, tokens);
  }
}
