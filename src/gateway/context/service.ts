// The context step's state across requests: per model, its counter (tokenizer, count cache,
// calibration) and what the runtime says of its context length; the remembered cuts of
// conversations; context lengths learned from refusals. Built once; survives config reloads.
import { LRUCache } from 'lru-cache';
import {
  estimateTokenizer,
  LearnedLimits,
  PromptCounter,
  WindowMemory,
  type ContextLimit,
  type ContextSettings,
  type LimitSource,
  type Tokenizer,
} from '../../context';
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
/** How long the first request of a model waits for its tokenizer before counting by estimate. */
const RESOLVE_WAIT_MS = 5_000;

/** One model's counting and context length. */
export class ModelContext {
  counter: PromptCounter;
  /** Settles once the model's own tokenizer is in place (or given up on). */
  readonly ready: Promise<void>;
  resolved = false;
  private runtimeLimit: number | undefined;
  private runtimeLimitAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly service: ContextService,
    readonly key: string,
    private readonly target: Target,
    counting: ContextSettings['counting'],
    /** Undefined when the model can only be counted by estimate and the runtime tells nothing. */
    tokenizer: Promise<Tokenizer> | undefined,
    cacheEntries: number,
  ) {
    this.counter = new PromptCounter(estimateTokenizer, { cacheEntries });
    if (!tokenizer) {
      // Nothing to ask anyone: the estimate it is, from the first request on.
      this.resolved = true;
      this.ready = Promise.resolve();
      return;
    }
    const resolving = tokenizer.then(
      (t) => {
        if (t !== estimateTokenizer) this.counter = new PromptCounter(t, { cacheEntries });
        service.logger.debug({ model: key, counting, kind: t.kind }, 'context: tokenizer ready');
      },
      (err: Error) => service.logger.warn({ model: key, err: err.message }, 'context: no tokenizer; counting by estimate'),
    );
    const first = Promise.all([resolving, this.refreshRuntimeLimit()]).then(() => {});
    this.ready = Promise.race([first, new Promise<void>((r) => service.clock.setTimeout(r, RESOLVE_WAIT_MS))]).then(() => {
      this.resolved = true;
    });
  }

  /** Asks the runtime for the model's context length again when the last answer is stale. */
  refreshRuntimeLimit(): Promise<void> {
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
    if (this.service.clock.now() - this.runtimeLimitAt >= RUNTIME_LIMIT_TTL_MS) void this.refreshRuntimeLimit();
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
  private readonly loadLocal?: LocalTokenizerLoader;
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
      const { entry, upstream } = target;
      const askable = upstream.tokenizer || upstream.contextLength || upstream.modelFile || (entry.path && this.loadLocal);
      const tokenizer = askable ? resolveTokenizer({ entry, upstream, counting, loadLocal: this.loadLocal }) : undefined;
      m = new ModelContext(this, key, target, counting, tokenizer, this.countCacheEntries);
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
