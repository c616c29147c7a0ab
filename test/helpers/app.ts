// Builds the gateway app in process (`app.request`, no sockets) from fakes: a scripted upstream,
// a manual clock and an in-memory logger; tests override whichever deps they exercise.
import type { Hono } from 'hono';
import { GatewayError, ManualClock, MemoryLogger, type ChatChunk, type ChatCompletion, type Logger } from '../../src/core';
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
import type { CallContext, Upstream } from '../../src/upstreams';
import { modelEntry } from '../unit/gateway/fixtures';

export interface InProcessApp<U extends Upstream & { calls: unknown[] } = ScriptedUpstream> {
  app: Hono;
  deps: GatewayDeps;
  clock: ManualClock;
  logger: MemoryLogger;
  upstream: U;
  audit: Parameters<NonNullable<GatewayDeps['audit']>>[0][];
}

/** What the scripted upstream answers next. */
export type UpstreamScript =
  | { kind: 'whole'; content: string }
  | { kind: 'stream'; deltas: string[] }
  /** Streams `deltas`, then fails as a dying upstream would. */
  | { kind: 'die'; deltas: string[]; error: GatewayError }
  | { kind: 'fail'; error: GatewayError };

export interface ScriptedUpstream extends Upstream {
  script: UpstreamScript;
  /** The requests it received, as sent. */
  calls: Record<string, unknown>[];
  /** The cancellation signal of each call. */
  signals: CallContext['signal'][];
}

const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

function chunk(model: string, delta: ChatChunk['choices'][number]['delta'], finish: string | null = null): ChatChunk {
  return { id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] };
}

async function* chunks(model: string, deltas: string[], end: { error?: GatewayError; usage: boolean }): AsyncGenerator<ChatChunk> {
  for (const [i, content] of deltas.entries()) yield chunk(model, i === 0 ? { role: 'assistant', content } : { content });
  if (end.error) throw end.error;
  yield chunk(model, {}, 'stop');
  if (end.usage) yield { id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [], usage };
}

/** An OpenAI-compatible upstream in process, answering chat as `script` says (default "ok"). */
export function scriptedUpstream(name = 'u'): ScriptedUpstream {
  const upstream: ScriptedUpstream = {
    name,
    kind: 'openai',
    onDisconnect: 'cancel',
    pool: { connections: 64, scope: 'upstream' },
    script: { kind: 'whole', content: 'ok' },
    calls: [],
    signals: [],
    async chat(request, ctx) {
      upstream.calls.push(request);
      upstream.signals.push(ctx.signal);
      const model = ctx.model.upstreamModel;
      const script = upstream.script;
      if (script.kind === 'fail') throw script.error;
      if (script.kind === 'whole') {
        const body: ChatCompletion = {
          id: 'c1',
          object: 'chat.completion',
          created: 1,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: script.content }, finish_reason: 'stop' }],
          usage,
        };
        return { kind: 'json', body };
      }
      const wantsUsage = (request.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      return { kind: 'stream', chunks: chunks(model, script.deltas, { error: script.kind === 'die' ? script.error : undefined, usage: wantsUsage }) };
    },
    async complete() {
      throw new GatewayError('capability_not_supported', 'not scripted');
    },
    async embed(request) {
      upstream.calls.push(request);
      const inputs = Array.isArray(request.input) ? request.input : [request.input];
      return {
        object: 'list',
        model: 'e',
        data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.5, -1] })),
        usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
      };
    },
    listModels: async () => [],
    health: async () => true,
    close: async () => {},
  };
  return upstream;
}

export interface InProcessOverrides extends Partial<Omit<GatewayDeps, 'snapshot' | 'policy' | 'clock' | 'logger' | 'audit'>> {
  options?: Partial<GatewayOptions>;
  models?: ModelEntry[];
  keys?: KeyStore;
  /** Builds the request policy from the harness' clock and audit sink. */
  policy?: (clock: ManualClock, audit: AuditSink) => RequestPolicy;
  /** The upstream named `u` (default: one that answers every chat with "ok"). */
  upstream?: Upstream & { calls: unknown[] };
}

type AnyUpstream = Upstream & { calls: unknown[] };

/** Without an upstream of its own the harness has the scripted one, and says so in its type. */
export function inProcessApp(over?: InProcessOverrides & { upstream?: undefined }): InProcessApp;
export function inProcessApp<U extends AnyUpstream>(over: InProcessOverrides & { upstream: U }): InProcessApp<U>;
export function inProcessApp(over?: InProcessOverrides): InProcessApp<AnyUpstream>;
export function inProcessApp(over: InProcessOverrides = {}): InProcessApp<AnyUpstream> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const logger = new MemoryLogger();
  const audit: InProcessApp['audit'] = [];
  const auditSink: AuditSink = (e) => audit.push(e);
  const { options, models, keys, policy, upstream = scriptedUpstream(), ...rest } = over;
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
      metricsRequireKey: false,
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
