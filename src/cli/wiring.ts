// Adds the subsystems to a gateway runtime: the OPA policy engine (on unless `policy.enabled:
// false`), usage facts for quotas, and their metrics.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AegisConfig } from '../config';
import type { Logger } from '../core';
import type { GatewayDeps } from '../gateway';
import { opaRequestPolicy } from '../gateway/policy-adapter';
import { UsageMeter } from '../gateway/usage-meter';
import { policyData, startPolicyEngine, type PolicyConfig, type RunningPolicy } from '../policy';
import type { Extension } from './runtime';
import { openRegistry, storedModels } from './registry-store';
import { wireRag } from './wiring-rag';
import { wireScheduler, type WiredScheduler } from './wiring-scheduler';

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
}

function policySection(config: AegisConfig): (PolicyConfig & { enabled?: boolean }) | undefined {
  return config.policy as (PolicyConfig & { enabled?: boolean }) | undefined;
}

async function wirePolicy(deps: GatewayDeps, config: AegisConfig, { logger, configDir }: WiringOptions): Promise<RunningPolicy | undefined> {
  const section = policySection(config);
  if (section?.enabled === false) {
    logger.warn('policy enforcement is disabled (policy.enabled: false)');
    return undefined;
  }
  const { enabled: _enabled, ...policyConfig } = section ?? {};
  const baseDir = policyConfig.bundle ? (configDir ?? process.cwd()) : packageRoot;
  const running = await startPolicyEngine(policyConfig, { baseDir, logger: logger.child({ component: 'policy' }), clock: deps.clock });
  const usage = new UsageMeter(deps.clock);
  deps.policy = opaRequestPolicy(running.engine, deps.clock, usage, () => deps.audit);
  const previous = deps.onExchange;
  deps.onExchange = (o) => {
    if (o.usage) usage.addTokens(o.principalId, o.usage.total_tokens);
    previous?.(o);
  };
  // Policy changes (bundle or data) are audited whether they took or not.
  running.engine.onReload(({ kind, revision, previous }) => deps.audit?.({ type: 'policy.reload', actor: 'operator', target: kind, outcome: 'ok', details: { revision, previous } }));
  running.engine.onReloadError(({ kind, error, revision }) => deps.audit?.({ type: 'policy.reload', actor: 'operator', target: kind, outcome: 'error', details: { reason: error, revision } }));
  const stats = () => running.engine.stats();
  deps.metrics.counterFrom('aegis_policy_decisions_total', 'Policy decisions by result.', ['result'], () => [
    { labels: { result: 'allow' }, value: stats().allowed },
    { labels: { result: 'deny' }, value: stats().denied },
  ]);
  deps.metrics.counterFrom('aegis_policy_evaluation_errors_total', 'Policy evaluations that failed (denied closed).', [], () => [{ value: stats().evaluationErrors }]);
  deps.metrics.counterFrom('aegis_policy_reload_errors_total', 'Policy bundle or data reloads rejected (the previous policy kept serving).', [], () => [{ value: stats().reloadErrors }]);
  logger.info({ revision: stats().revision }, 'policy engine loaded');
  return running;
}

export function extendRuntime(options: WiringOptions) {
  return async function extend(deps: GatewayDeps, config: AegisConfig): Promise<Extension> {
    // Recording first: the policy audits every decision through it.
    const rag = await wireRag(deps, config, { logger: options.logger, cwd: options.cwd, mongoUri: options.mongoUri });
    const policy = await wirePolicy(deps, config, options);
    const scheduler = await wireScheduler(deps, config, options.logger, deps.clock);
    const registry = await openRegistry(config, options.mongoUri, options.cwd);
    if (scheduler) schedulerMetrics(deps, scheduler);
    return {
      registry: () => storedModels(registry.store),
      async started() {
        await scheduler?.reconcile();
      },
      async reload(next) {
        await scheduler?.sync();
        if (policy) {
          const result = await policy.engine.setData(policyData(policySection(next)));
          if (!result.ok) options.logger.error({ err: result.error }, 'policy data rejected; keeping the previous data');
        }
      },
      async close() {
        scheduler?.close();
        await policy?.close();
        // After the HTTP drain: deliver the queue, or spool and fsync what could not be delivered.
        await rag?.close({ timeoutMs: 5_000 });
        await registry.close();
      },
    };
  };
}

function schedulerMetrics(deps: GatewayDeps, wired: WiredScheduler): void {
  const snap = () => wired.scheduler.snapshot();
  deps.metrics.gauge('aegis_scheduler_memory_used_bytes', 'Bytes counted against each resource budget.', ['resource'], () => snap().resources.map((r) => ({ labels: { resource: r.id }, value: r.usedBytes })));
  deps.metrics.gauge('aegis_scheduler_memory_limit_bytes', 'Usable bytes of each resource (budget minus reserve).', ['resource'], () => snap().resources.map((r) => ({ labels: { resource: r.id }, value: r.limitBytes })));
  deps.metrics.gauge('aegis_scheduler_model_loaded', '1 when the model is resident (ready), else 0.', ['model'], () => snap().models.map((m) => ({ labels: { model: m.id }, value: m.state === 'ready' ? 1 : 0 })));
  deps.metrics.gauge('aegis_scheduler_queued_requests', 'Requests waiting for a lease, by model.', ['model'], () => snap().models.map((m) => ({ labels: { model: m.id }, value: m.queued })));
  deps.metrics.counterFrom('aegis_scheduler_loads_total', 'Model loads started by the scheduler.', ['model'], () => snap().models.map((m) => ({ labels: { model: m.id }, value: m.loads })));
}
