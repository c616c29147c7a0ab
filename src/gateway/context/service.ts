// The context step's state across requests: per model, its counter (tokenizer, count cache,
// calibration) and what the runtime says of its context length; the remembered cuts of
// conversations; context lengths learned from refusals. Built once; survives config reloads.
import { LRUCache } from 'lru-cache';
import { estimateTokenizer, LearnedLimits, PromptCounter, WindowMemory, type ContextLimit, type ContextSettings, type LimitSource } from '../../context';
import type { Clock, Logger } from '../../core';
import type { ModelEntry } from '../../registry';
import type { Upstream } from '../../upstreams';
import type { Target } from '../exchange/exchange';
import { resolveTokenizer, type LocalTokenizerLoader } from './tokenizers';

export interface ContextServiceOptions {
  clock: Clock;
  logger: Logger;
  /** Builds local tokenizers from GGUF files; without it models count by the runtime or the estimate. */
  loadLocal?: LocalTokenizerLoader;
  /** Conversations whose cut is remembered. */
  windows?: number;
  /** Message texts whose counts are remembered, per model. */
  countCacheEntries?: number;
  /** Models whose state is kept (least recently used forgotten first). */
  maxModels?: number;
}

/** How long a context length the runtime reported is trusted before it is asked again. */
const RUNTIME_LIMIT_TTL_MS = 60_000;

/**
 * One model's counting and context length. Nothing is asked of the runtime until a prompt comes
 * near the model's limit: most requests are decided on byte lengths alone, and a runtime is not
 * probed for tokenize endpoints it may not have for models whose prompts never need them.
 */
export class ModelContext {
  counter: PromptCounter;
  private resolving: Promise<PromptCounter> | undefined;
  private resolved = false;
  private runtimeLimit: number | undefined;
  private runtimeLimitAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly service: ContextService,
    readonly key: string,
    private readonly target: Target,
    private readonly counting: ContextSettings['counting'],
    private readonly cacheEntries: number,
  ) {
    this.counter = new PromptCounter(estimateTokenizer, { cacheEntries });
  }

  /** The model's own counter (runtime, GGUF or estimate), resolved on first need. */
  counterReady(): Promise<PromptCounter> {
    this.resolving ??= this.resolve();
    return this.resolving;
  }

  private async resolve(): Promise<PromptCounter> {
    const { entry, upstream } = this.target;
    const [tokenizer] = await Promise.all([
      resolveTokenizer({ entry, upstream, counting: this.counting, loadLocal: this.service.loadLocal }).catch((err: Error) => {
        this.service.logger.warn({ model: this.key, err: err.message }, 'context: no tokenizer; counting by estimate');
        return estimateTokenizer;
      }),
      this.refreshRuntimeLimit(),
    ]);
    if (tokenizer !== estimateTokenizer) this.counter = new PromptCounter(tokenizer, { cacheEntries: this.cacheEntries });
    this.resolved = true;
    this.service.logger.debug({ model: this.key, counting: this.counting, kind: tokenizer.kind }, 'context: tokenizer ready');
    return this.counter;
  }

  /** Asks the runtime for the model's context length again when the last answer is stale. */
  private refreshRuntimeLimit(): Promise<void> {
    const { upstream, entry } = this.target;
    if (!upstream.contextLength) return Promise.resolve();
    if (this.refreshing) return this.refreshing;
    if (this.service.clock.now() - this.runtimeLimitAt < RUNTIME_LIMIT_TTL_MS) return Promise.resolve();
    this.refreshing = upstream
      .contextLength(entry)
      .then(
        (n) => {
          this.runtimeLimit = n;
          this.runtimeLimitAt = this.service.clock.now();
        },
        // An upstream that cannot answer now is asked again after the same interval, not per request.
        () => {
          this.runtimeLimitAt = this.service.clock.now();
        },
      )
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** The context length to fit into: learned from a refusal, told by the runtime, or the entry's. */
  limit(): ContextLimit | undefined {
    const learned = this.service.learned.get(this.key);
    if (learned !== undefined) return { tokens: learned, source: 'learned' };
    if (this.resolved && this.service.clock.now() - this.runtimeLimitAt >= RUNTIME_LIMIT_TTL_MS) void this.refreshRuntimeLimit();
    if (this.runtimeLimit !== undefined) return { tokens: this.runtimeLimit, source: 'runtime' };
    const { entry } = this.target;
    if (entry.contextLength === undefined) return undefined;
    const source: LimitSource = entry.origin === 'discovered' ? 'discovered' : 'config';
    return { tokens: entry.contextLength, source };
  }
}

export class ContextService {
  readonly windows: WindowMemory;
  readonly learned = new LearnedLimits();
  readonly clock: Clock;
  readonly logger: Logger;
  private readonly models: LRUCache<string, ModelContext>;
  readonly loadLocal?: LocalTokenizerLoader;
  private readonly countCacheEntries: number;

  constructor({ clock, logger, loadLocal, windows = 10_000, countCacheEntries = 20_000, maxModels = 256 }: ContextServiceOptions) {
    this.clock = clock;
    this.logger = logger;
    this.loadLocal = loadLocal;
    this.windows = new WindowMemory({ maxConversations: windows });
    this.countCacheEntries = countCacheEntries;
    this.models = new LRUCache({ max: maxModels });
  }

  /**
   * A model's key: its version, where it runs, what its entry says its context is and how it is
   * counted. A reload that changes any of them starts the model's state afresh.
   */
  static key(entry: ModelEntry, upstream: Upstream, counting: string): string {
    return `${entry.name}@${entry.version}|${upstream.name}|${entry.upstreamModel}|${entry.contextLength ?? ''}|${counting}`;
  }

  model(target: Target, counting: ContextSettings['counting']): ModelContext {
    const key = ContextService.key(target.entry, target.upstream, counting);
    let m = this.models.get(key);
    if (!m) {
      m = new ModelContext(this, key, target, counting, this.countCacheEntries);
      this.models.set(key, m);
    }
    return m;
  }

  /** The context length /v1/models shows, without waiting for anything. */
  peekLimit(entry: ModelEntry, upstream: Upstream | undefined, counting: ContextSettings['counting']): ContextLimit | undefined {
    const m = upstream ? this.models.peek(ContextService.key(entry, upstream, counting)) : undefined;
    if (m) return m.limit();
    return entry.contextLength === undefined ? undefined : { tokens: entry.contextLength, source: entry.origin === 'discovered' ? 'discovered' : 'config' };
  }
}
