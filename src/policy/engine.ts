// The OPA-wasm PolicyEngine: decides synchronously from the live bundle and data, and swaps in a new
// bundle or data document only once it loads and passes the self-check; a failure keeps the old one.
import { createHash } from 'node:crypto';
import { silentLogger, systemClock, timeOrderedUuid, type Clock, type Logger } from '../core';
import { ENTRYPOINTS, bundleRevision, type PolicyBundle } from './bundle';
import { defaultPolicyData, type PolicyData } from './data';
import { failClosed, isPolicyOutput, toDecision } from './decision';
import { compilePolicy, PolicyEvaluator, type CompiledPolicy } from './evaluator';
import { preparePolicyData } from './prepare-data';
import { selfCheck, type SelfCheckCase } from './self-check';
import type { Decision, PolicyEngine, PolicyInput } from './types';
import { validatePolicyData } from './validate-data';

export interface WasmPolicyEngineOptions {
  bundle: PolicyBundle;
  /** The operator's data, already merged over the defaults (mergePolicyData); defaults if omitted. */
  data?: PolicyData;
  /** Cases every new bundle or data document must pass before it serves. */
  selfCheckCases?: readonly SelfCheckCase[];
  logger?: Logger;
  clock?: Clock;
  newId?: () => string;
}

export type ReloadKind = 'bundle' | 'data';
export type ReloadResult = { ok: true; revision: string } | { ok: false; error: string; revision: string };

export interface ReloadEvent {
  kind: ReloadKind;
  revision: string;
  previous: string;
}

export interface ReloadErrorEvent {
  kind: ReloadKind;
  error: string;
  /** The revision that keeps serving. */
  revision: string;
}

/** Monotonic counters for the metrics module, plus what is live. */
export interface PolicyStats {
  revision: string;
  wasmSha256: string;
  sourceSha256: string;
  loadedAt: number;
  evaluations: number;
  allowed: number;
  denied: number;
  evaluationErrors: number;
  reloads: number;
  reloadErrors: number;
  lastReloadError?: { at: number; kind: ReloadKind; message: string };
}

interface Live {
  bundle: PolicyBundle;
  module: CompiledPolicy;
  data: PolicyData;
  evaluator: PolicyEvaluator;
  requestEntry: number;
  toolEntry: number;
  revision: string;
  loadedAt: number;
}

/** Evaluates without failing closed, so the self-check sees every failure. */
function strictDecide(live: Live, input: PolicyInput, id: string): Decision {
  const out = live.evaluator.evaluate(input.tool_call ? live.toolEntry : live.requestEntry, input);
  if (!isPolicyOutput(out)) throw new Error(`the policy returned ${out === undefined ? 'no decision (undefined)' : 'a malformed decision'}`);
  return toDecision(out, id, live.revision);
}

async function instantiate(module: CompiledPolicy, bundle: PolicyBundle, data: PolicyData, cases: readonly SelfCheckCase[], now: number): Promise<Live> {
  const dataProblems = validatePolicyData(data);
  if (dataProblems.length > 0) throw new Error(`invalid policy data: ${dataProblems.join('; ')}`);
  const evaluator = await PolicyEvaluator.create(module, preparePolicyData(data));
  const dataSha = createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 8);
  const live: Live = {
    bundle,
    module,
    data,
    evaluator,
    requestEntry: evaluator.entrypoint(ENTRYPOINTS.request),
    toolEntry: evaluator.entrypoint(ENTRYPOINTS.toolCall),
    revision: `${bundleRevision(bundle)}+${dataSha}`,
    loadedAt: now,
  };
  const problems = selfCheck((input) => strictDecide(live, input, 'self-check'), data, cases);
  if (problems.length > 0)
    throw new Error(`self-check failed: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`);
  return live;
}

export class WasmPolicyEngine implements PolicyEngine {
  private readonly counters = { evaluations: 0, allowed: 0, denied: 0, evaluationErrors: 0, reloads: 0, reloadErrors: 0 };
  private lastReloadError?: PolicyStats['lastReloadError'];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly reloadListeners = new Set<(e: ReloadEvent) => void>();
  private readonly errorListeners = new Set<(e: ReloadErrorEvent) => void>();

  private constructor(
    private live: Live,
    private readonly cases: readonly SelfCheckCase[],
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {}

  /** Loads the first bundle; throws if it fails, since there is no previous policy to fall back on. */
  static async create({
    bundle,
    data = defaultPolicyData,
    selfCheckCases = [],
    logger = silentLogger,
    clock = systemClock,
    newId,
  }: WasmPolicyEngineOptions): Promise<WasmPolicyEngine> {
    const live = await instantiate(await compilePolicy(bundle.wasm), bundle, data, selfCheckCases, clock.now());
    logger.info({ revision: live.revision, source_sha256: bundle.manifest.source_sha256 }, 'policy loaded');
    // Decision ids key audit rows: time-ordered (core/ids.ts).
    return new WasmPolicyEngine(live, selfCheckCases, logger, clock, newId ?? (() => timeOrderedUuid(clock.now())));
  }

  decide(input: PolicyInput): Decision {
    const live = this.live;
    const id = this.newId();
    this.counters.evaluations++;
    let decision: Decision;
    try {
      decision = strictDecide(live, input, id);
    } catch (err) {
      // Fail closed, and say so once per hundred failures rather than flooding the log.
      if (this.counters.evaluationErrors++ % 100 === 0) {
        this.logger.error(
          { err: err instanceof Error ? err.message : String(err), revision: live.revision, errors: this.counters.evaluationErrors },
          'policy evaluation failed; denying',
        );
      }
      decision = failClosed(id, live.revision, 'the policy could not be evaluated');
    }
    if (decision.allow) this.counters.allowed++;
    else this.counters.denied++;
    return decision;
  }

  revision(): string {
    return this.live.revision;
  }

  data(): PolicyData {
    return this.live.data;
  }

  /** Replaces the bundle (a loader counts its own failure as a reload error, e.g. a torn file). */
  reload(source: PolicyBundle | (() => Promise<PolicyBundle>)): Promise<ReloadResult> {
    return this.swap('bundle', async () => {
      const bundle = typeof source === 'function' ? await source() : source;
      return instantiate(await compilePolicy(bundle.wasm), bundle, this.live.data, this.cases, this.clock.now());
    });
  }

  /** Replaces the data document (config hot reload); the compiled module is reused. */
  setData(data: PolicyData): Promise<ReloadResult> {
    return this.swap('data', () => instantiate(this.live.module, this.live.bundle, data, this.cases, this.clock.now()));
  }

  stats(): PolicyStats {
    const { revision, loadedAt, bundle } = this.live;
    return {
      revision,
      wasmSha256: bundle.manifest.wasm_sha256,
      sourceSha256: bundle.manifest.source_sha256,
      loadedAt,
      ...this.counters,
      lastReloadError: this.lastReloadError,
    };
  }

  onReload(listener: (e: ReloadEvent) => void): () => void {
    this.reloadListeners.add(listener);
    return () => this.reloadListeners.delete(listener);
  }

  onReloadError(listener: (e: ReloadErrorEvent) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Reloads run one at a time, so two quick edits cannot land out of order. */
  private swap(kind: ReloadKind, build: () => Promise<Live>): Promise<ReloadResult> {
    const run = this.queue.then(async (): Promise<ReloadResult> => {
      const previous = this.live.revision;
      try {
        this.live = await build();
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        this.counters.reloadErrors++;
        this.lastReloadError = { at: this.clock.now(), kind, message: error };
        this.logger.error({ kind, error, revision: previous }, 'policy reload rejected; the previous policy keeps serving');
        for (const l of this.errorListeners) l({ kind, error, revision: previous });
        return { ok: false, error, revision: previous };
      }
      this.counters.reloads++;
      const revision = this.live.revision;
      this.logger.info({ kind, revision, previous }, 'policy reloaded');
      for (const l of this.reloadListeners) l({ kind, revision, previous });
      return { ok: true, revision };
    });
    this.queue = run;
    return run;
  }
}
