// Records every finished exchange and every decision/admin action: the durable outbox (queue +
// spool) into MongoDB when MONGODB_URI or `mongodb.uri` is set, the local spool otherwise.
import { z } from 'zod';
import type { AegisConfig } from '../config';
import type { ChatMessage, Logger } from '../core';
import type { ExchangeOutcome, GatewayDeps } from '../gateway';
import { optionalPatterns, openRagStorage, type ExchangeRecord, type RagStorage, type RecordedMessage } from '../rag';

export const ragConfigSchema = z.looseObject({
  enabled: z.boolean().default(true),
  spool: z.looseObject({ dir: z.string().optional() }).optional(),
  queue: z.record(z.string(), z.number()).optional(),
  redaction: z.looseObject({ patterns: z.array(z.looseObject({ name: z.string().optional(), regex: z.string(), flags: z.string().optional() })).optional() }).optional(),
  collections: z.record(z.string(), z.string()).optional(),
  fieldMapping: z.record(z.string(), z.unknown()).optional(),
  retentionDays: z.number().positive().optional(),
  auditRetentionDays: z.number().positive().optional(),
});

export const mongodbConfigSchema = z.looseObject({ uri: z.string().optional(), database: z.string().optional() });

/** Secret classes the rag redactor always applies; the policy names them too, so they are not regexes. */
const builtIn = new Set(['api_key', 'cloud_credential', 'jwt', 'private_key']);

export function recordObligationRedactions(redact: string[]): string[] {
  return redact.filter((r) => r in optionalPatterns || !builtIn.has(r));
}

function text(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' ? String((p as { text?: unknown }).text ?? '') : `[${p.type}]`)).join('\n');
}

function recordedMessages(o: ExchangeOutcome): RecordedMessage[] {
  if (o.messages) {
    return o.messages.map((m) => ({
      role: m.role === 'function' ? 'tool' : m.role,
      content: text(m.content),
      ...(m.name ? { name: m.name } : {}),
      ...(m.tool_call_id ? { toolCallId: m.tool_call_id } : {}),
      ...(m.tool_calls ? { toolCalls: m.tool_calls.map((t) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments })) } : {}),
    }));
  }
  const prompt = Array.isArray(o.prompt) ? o.prompt.join('\n') : (o.prompt ?? '');
  return prompt ? [{ role: 'user', content: prompt }] : [];
}

export function exchangeRecord(o: ExchangeOutcome): ExchangeRecord {
  return {
    id: o.requestId,
    requestId: o.requestId,
    time: new Date(o.startedAt).toISOString(),
    endedAt: new Date(o.endedAt).toISOString(),
    principalId: o.principalId,
    route: o.route,
    model: o.model,
    modelVersion: o.modelVersion,
    upstream: o.upstream,
    upstreamModel: o.upstreamModel,
    stream: o.stream,
    messages: recordedMessages(o),
    answer: o.answer,
    finishReason: o.finishReason,
    toolCalls: o.toolCalls.map((t) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments, source: 'client' as const })),
    usage: o.usage ? { promptTokens: o.usage.prompt_tokens, completionTokens: o.usage.completion_tokens, totalTokens: o.usage.total_tokens } : undefined,
    latencyMs: o.endedAt - o.startedAt,
    ttftMs: o.firstTokenAt === undefined ? undefined : o.firstTokenAt - o.startedAt,
    status: o.status,
    error: o.errorCode ? { code: o.errorCode, message: o.errorMessage ?? o.errorCode } : undefined,
    complete: o.status === 200 && o.finishReason != null,
    decisionId: o.decisionId,
    decision: o.decisionId && o.decisionReasons ? { reasons: o.decisionReasons } : undefined,
  };
}

export interface RagWiringOptions {
  logger: Logger;
  cwd?: string;
  /** MONGODB_URI from the environment (read by the composition root only). */
  mongoUri?: string;
}

export async function wireRag(deps: GatewayDeps, config: AegisConfig, { logger, cwd, mongoUri }: RagWiringOptions): Promise<RagStorage | undefined> {
  const rag = ragConfigSchema.parse(config.rag ?? {});
  if (!rag.enabled) return undefined;
  const mongo = mongodbConfigSchema.parse(config.mongodb ?? {});
  const uri = mongo.uri ?? mongoUri;
  const storage = await openRagStorage({
    mongodb: uri ? { uri, database: mongo.database, collections: rag.collections, fieldMapping: rag.fieldMapping as never, retentionDays: rag.retentionDays, auditRetentionDays: rag.auditRetentionDays } : undefined,
    spool: rag.spool,
    queue: rag.queue,
    redaction: rag.redaction,
    cwd,
    clock: deps.clock,
    logger: logger.child({ component: 'rag' }),
  });
  // Exchanges are recorded once per event-loop turn, every one that finished in it together
  // (setImmediate), not inside each request: a whole answer no longer waits for its record to be
  // built, redacted and queued, and with that code hot across the batch a request costs ~3 % less
  // CPU at saturation (bench A/B, 8 interleaved rounds each: 174 → 169 µs of one core per request).
  let pending: ExchangeOutcome[] = [];
  const recordPending = (): void => {
    const batch = pending;
    pending = [];
    for (const o of batch) {
      try {
        storage.recorder.record(exchangeRecord(o), { redact: recordObligationRedactions(o.redact), log: o.log ? 'full' : 'metadata' });
      } catch (err) {
        // Outside any request now: an outcome the record cannot be built from must not end the process.
        logger.error({ err, requestId: o.requestId }, 'could not record the exchange');
      }
    }
  };
  const previous = deps.onExchange;
  deps.onExchange = (o) => {
    previous?.(o);
    if (pending.push(o) === 1) setImmediate(recordPending);
  };
  deps.audit = (event) => storage.audit.record(event);
  const stats = () => storage.stats();
  deps.metrics.counterFrom('aegis_rag_records_total', 'Exchange and audit records by outcome (inserted, spooled, replayed, dropped, …).', ['kind', 'outcome'], () => {
    const s = stats();
    return (['exchange', 'audit'] as const).flatMap((kind) => Object.entries(s[kind]).map(([outcome, value]) => ({ labels: { kind, outcome }, value })));
  });
  deps.metrics.gauge('aegis_rag_queue_depth', 'Records waiting in memory for MongoDB.', [], () => [{ value: stats().queueDepth }]);
  deps.metrics.gauge('aegis_rag_spool_bytes', 'Bytes waiting in the on-disk spool.', [], () => [{ value: stats().spoolBytes }]);
  deps.metrics.gauge('aegis_rag_store_up', '1 while MongoDB accepts records, 0 while records go to the spool.', [], () => [{ value: stats().storeUp ? 1 : 0 }]);
  logger.info({ mongodb: Boolean(uri), spool: rag.spool?.dir ?? '.aegis/spool' }, 'exchange recording enabled');
  return {
    ...storage,
    idle: () => pending.length === 0 && storage.idle(),
    // Exchanges that finished in this very turn are queued before the outbox delivers and closes.
    close: (options) => {
      recordPending();
      return storage.close(options);
    },
  };
}
