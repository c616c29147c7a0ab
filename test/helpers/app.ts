// Builds the gateway app in process (`app.request`, no sockets) from fakes: a scripted upstream,
// a manual clock and an in-memory logger; tests override whichever deps they exercise.
import type { Hono } from 'hono';
import { ManualClock, MemoryLogger, type ChatCompletion, type Logger } from '../../src/core';
import {
  ContextService,
  createApp,
  KeyStore,
  type AuditSink,
  type GatewayDeps,
  type GatewayOptions,
  type GatewaySnapshot,
  type RequestPolicy,
} from '../../src/gateway';
import { Metrics } from '../../src/metrics';
import { ModelCatalog, type ModelEntry } from '../../src/registry';
import type { Upstream } from '../../src/upstreams';
import { modelEntry } from '../unit/gateway/fixtures';

export interface InProcessApp {
  app: Hono;
  deps: GatewayDeps;
  clock: ManualClock;
  logger: MemoryLogger;
  upstream: Upstream & { calls: unknown[] };
  audit: Parameters<NonNullable<GatewayDeps['audit']>>[0][];
}

/** An upstream answering every chat with "ok" (whole or streamed in one chunk). */
export function scriptedUpstream(name = 'u'): Upstream & { calls: unknown[] } {
  const calls: unknown[] = [];
  const completion = (model: string): ChatCompletion => ({
    id: 'c1',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
  return {
    name,
    kind: 'openai',
    onDisconnect: 'cancel',
    pool: { connections: 64, scope: 'upstream' },
    calls,
    async chat(request, ctx) {
      calls.push(request);
      return { kind: 'json', body: completion(ctx.model.upstreamModel) };
    },
    async complete() {
      throw new Error('not scripted');
    },
    async embed() {
      throw new Error('not scripted');
    },
    listModels: async () => [],
    health: async () => true,
    close: async () => {},
  };
}

export interface InProcessOverrides extends Partial<Omit<GatewayDeps, 'snapshot' | 'policy' | 'clock' | 'logger' | 'audit'>> {
  options?: Partial<GatewayOptions>;
  models?: ModelEntry[];
  keys?: KeyStore;
  /** Builds the request policy from the harness' clock and audit sink. */
  policy?: (clock: ManualClock, audit: AuditSink) => RequestPolicy;
}

export function inProcessApp(over: InProcessOverrides = {}): InProcessApp {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const logger = new MemoryLogger();
  const upstream = scriptedUpstream();
  const audit: InProcessApp['audit'] = [];
  const auditSink: AuditSink = (e) => audit.push(e);
  const { options, models, keys, policy, ...rest } = over;
  const snapshot: GatewaySnapshot = {
    catalog: new ModelCatalog({ config: models ?? [modelEntry()] }),
    upstreams: new Map([[upstream.name, upstream]]),
    keys: keys ?? new KeyStore([]),
    options: {
      bodyLimitBytes: 1 << 20,
      keepAliveMs: 5_000,
      logPrompts: false,
      anonymous: { allowed: true, admin: false },
      allowedHosts: [],
      allowedOrigins: [],
      ...options,
    },
  };
  const deps: GatewayDeps = {
    snapshot: () => snapshot,
    logger: logger as Logger,
    metrics: new Metrics({ defaults: false }),
    clock,
    audit: auditSink,
    policy: policy?.(clock, auditSink),
    context: new ContextService({ clock, logger }),
    ...rest,
  };
  return { app: createApp(deps), deps, clock, logger, upstream, audit };
}

/** Env for `app.request` that makes the request look as if it came from `address`. */
export const fromAddress = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
