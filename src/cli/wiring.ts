// Adds the subsystems to a gateway runtime: recording (the audit sink everything else uses), the
// OPA policy engine with usage facts for quotas, the scheduler, and the registry store.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AegisConfig } from '../config';
import type { ExchangeSink, Logger } from '../core';
import { gatewayEmbedder, type AuditSink, type RequestPolicy } from '../gateway';
import { opaRequestPolicy } from '../gateway/policy-adapter';
import { UsageMeter } from '../gateway/usage-meter';
import type { Histogram } from 'prom-client';
import { metricNames } from '../metrics';
import { policyData, startPolicyEngine, type PolicyEngine, type RunningPolicy } from '../policy';
import type { Embedder } from '../rag';
import { durableResponseStore } from './durable-responses';
import { openRegistry, storedModels } from './registry-store';
import type { Extension, RuntimeContext } from './runtime';
import { wireMcp } from './wiring-mcp';
import { wireRag } from './wiring-rag';
import { wireScheduler } from './wiring-scheduler';

/** The package root: the default policy bundle ships there, whatever the working directory. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface WiringOptions {
  logger: Logger;
  /** MONGODB_URI from the environment. */
  mongoUri?: string;
  /** Base of relative paths such as the spool directory (default: working directory). */
  cwd?: string;
  /** Directory of aegis.yaml: relative paths in it resolve against this. */
  configDir?: string;
  /** Another audit sink to tell besides the recorder (tests, an operator's log shipper). */
  audit?: AuditSink;
}

interface WiredPolicy {
  running: RunningPolicy;
  policy: RequestPolicy;
  /** Counts each finished exchange's tokens toward its principal's daily quota. */
  sink: ExchangeSink;
}

async function wirePolicy(
  ctx: RuntimeContext,
  config: AegisConfig,
  { logger, configDir }: WiringOptions,
  audit: AuditSink | undefined,
): Promise<WiredPolicy | undefined> {
  const { enabled, ...section } = config.policy;
  if (!enabled) {
    logger.warn('policy enforcement is disabled (policy.enabled: false)');
    return undefined;
  }
  const baseDir = section.bundle ? (configDir ?? process.cwd()) : packageRoot;
  const running = await startPolicyEngine(section, { baseDir, logger: logger.child({ component: 'policy' }), clock: ctx.clock });
  const usage = new UsageMeter(ctx.clock);
  // Policy changes (bundle or data) are audited whether they took or not.
  running.engine.onReload(({ kind, revision, previous }) =>
    audit?.({ type: 'policy.reload', actor: 'operator', target: kind, outcome: 'ok', details: { revision, previous } }),
  );
  running.engine.onReloadError(({ kind, error, revision }) =>
    audit?.({ type: 'policy.reload', actor: 'operator', target: kind, outcome: 'error', details: { reason: error, revision } }),
  );
  const stats = () => running.engine.stats();
  ctx.metrics.counterFrom(metricNames.policyDecisions, () => [
    { labels: { result: 'allow' }, value: stats().allowed },
    { labels: { result: 'deny' }, value: stats().denied },
  ]);
  ctx.metrics.counterFrom(metricNames.policyEvaluationErrors, () => [{ value: stats().evaluationErrors }]);
  ctx.metrics.counterFrom(metricNames.policyReloadErrors, () => [{ value: stats().reloadErrors }]);
  ctx.metrics.counterFrom(metricNames.policyReloads, () => [{ value: stats().reloads }]);
  logger.info({ revision: stats().revision }, 'policy engine loaded');
  return {
    running,
    policy: opaRequestPolicy(timedPolicyEngine(running.engine, ctx.metrics.histogram(metricNames.policyEvaluation)), ctx.clock, usage, audit),
    sink: {
      exchangeFinished(e) {
        if (e.usage) usage.addTokens(e.principalId, e.usage.total_tokens);
      },
    },
  };
}

/** The engine with each decision timed: the port stays the policy's own, the clock is the CPU's. */
function timedPolicyEngine(engine: PolicyEngine, seconds: Histogram): PolicyEngine {
  return {
    decide(input) {
      const started = performance.now();
      try {
        return engine.decide(input);
      } finally {
        seconds.observe((performance.now() - started) / 1000);
      }
    },
    revision: () => engine.revision(),
  };
}

/** Tells every sink given; undefined when there is none. */
function teeAudit(...sinks: (AuditSink | undefined)[]): AuditSink | undefined {
  const all = sinks.filter((s): s is AuditSink => s !== undefined);
  if (all.length <= 1) return all[0];
  return (event) => {
    for (const s of all) s(event);
  };
}

export function extendRuntime(options: WiringOptions) {
  return async function extend(ctx: RuntimeContext, config: AegisConfig): Promise<Extension> {
    // Recording first: the policy and the scheduler audit through it.
    // The embedder runs through the gateway's pipeline, which exists only once the deps do (attach).
    const embedder = config.rag.embeddingModel ? new LateEmbedder() : undefined;
    const rag = await wireRag(ctx, config, { logger: options.logger, cwd: options.cwd, mongoUri: options.mongoUri, embedder });
    const audit = teeAudit(rag?.audit, options.audit);
    const policy = await wirePolicy(ctx, config, options, audit);
    const scheduler = await wireScheduler(ctx, config, options.logger, ctx.clock, audit);
    const registry = await openRegistry(config, options.mongoUri, options.cwd);
    if (registry.imported) options.logger.info({ ...registry.imported, into: registry.where }, 'imported the model registry of an earlier version');
    const mcp = wireMcp(ctx, config, options.logger);
    return {
      scheduler: scheduler?.gate,
      admin: scheduler?.admin,
      policy: policy?.policy,
      mcp,
      audit,
      // Stored responses live beside the records, so a conversation survives a restart.
      responseStore: rag ? durableResponseStore(rag.storage.responses, () => ctx.clock.now()) : undefined,
      recording: rag ? () => rag.storage.stats() : undefined,
      memory: rag?.storage.search,
      attach(deps) {
        if (embedder && config.rag.embeddingModel) embedder.use(gatewayEmbedder(deps, config.rag.embeddingModel));
      },
      sinks: [policy?.sink, rag?.sink].filter((s): s is ExchangeSink => s !== undefined),
      registry: () => storedModels(registry.store),
      async started() {
        await scheduler?.reconcile();
      },
      async reload(next) {
        await scheduler?.sync();
        if (policy) {
          const result = await policy.running.engine.setData(policyData(next.policy));
          if (!result.ok) options.logger.error({ err: result.error }, 'policy data rejected; keeping the previous data');
        }
        await mcp.reconfigure(next.mcp);
        restartNeeded(config, next, options.logger);
      },
      async close() {
        scheduler?.close();
        // Stops stdio servers' processes and ends HTTP sessions.
        await mcp.close();
        await policy?.running.close();
        // After the HTTP drain: deliver the queue, or spool and fsync what could not be delivered.
        await rag?.close({ timeoutMs: 5_000 });
        await registry.close();
      },
    };
  };
}

/**
 * Sections a running gateway cannot change in place: a reload applies the rest and says which of
 * these changed, so the operator knows a restart is needed for them.
 */
function restartNeeded(before: AegisConfig, after: AegisConfig, logger: Logger): void {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const keys: string[] = [];
  const { enabled: schedulerBefore, ...s1 } = before.scheduler;
  const { enabled: schedulerAfter, ...s2 } = after.scheduler;
  if (schedulerBefore !== schedulerAfter || !same(s1, s2)) keys.push('scheduler');
  if (!same(before.rag, after.rag)) keys.push('rag');
  if (!same(before.responses, after.responses)) keys.push('responses');
  if (!same(before.mongodb, after.mongodb)) keys.push('mongodb');
  if (before.policy.enabled !== after.policy.enabled || before.policy.bundle !== after.policy.bundle || before.policy.watch !== after.policy.watch)
    keys.push('policy (enabled, bundle, watch)');
  if (before.server.host !== after.server.host || before.server.port !== after.server.port) keys.push('server.host/port');
  if (before.server.socket !== after.server.socket) keys.push('server.socket');
  if (!same(before.integrations, after.integrations)) keys.push('integrations');
  if (!same(before.mcp.endpoint, after.mcp.endpoint)) keys.push('mcp.endpoint');
  if (before.logging.level !== after.logging.level) keys.push('logging.level');
  // Series are registered once; metrics.requireKey applies at once (it is a gateway option).
  if (before.metrics.principals !== after.metrics.principals) keys.push('metrics.principals');
  if (keys.length > 0) logger.warn({ keys }, 'config reloaded; these changes take effect after a restart');
}

/** An embedder whose implementation arrives after it is handed out; until then it fails (text search, records pending). */
class LateEmbedder implements Embedder {
  private target: Embedder | undefined;

  use(target: Embedder): void {
    this.target = target;
  }

  embed(texts: string[]): Promise<number[][]> {
    return this.target ? this.target.embed(texts) : Promise.reject(new Error('the embedding model is not wired yet'));
  }
}
